#!/usr/bin/env python3
"""Turn a Mica results.json (Gradescope's format, from autograde.py) into
the output line GitHub Classroom's autograding-grading-reporter reads:
`result=<base64 of its JSON>`. Used by classroom.yml.

    python3 grade/autograder/classroom_payload.py results.json >> "$GITHUB_OUTPUT"
"""
import base64
import json
import sys


def payload(results):
    tests = [{"name": t["name"], "status": "pass" if t["status"] == "passed" else "fail",
              "score": t["score"], "max_score": t["max_score"],
              "message": t.get("output", "")[:2000],
              "execution_time": t.get("execution_time", 0)} for t in results.get("tests", [])]
    ok = bool(tests) and all(t["status"] == "pass" for t in tests)
    return {"version": 1, "status": "pass" if ok else "fail",
            "max_score": results.get("max_score", sum(t["max_score"] for t in tests)),
            "tests": tests}


def main():
    try:
        with open(sys.argv[1]) as f:
            results = json.load(f)
    except (OSError, ValueError, IndexError) as exc:
        results = {"tests": [{"name": "grading", "status": "failed", "score": 0,
                              "max_score": 0, "output": f"no results: {exc}"}]}
    data = json.dumps(payload(results)).encode()
    print("result=" + base64.b64encode(data).decode())


if __name__ == "__main__":
    main()
