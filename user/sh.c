/*
 * sh: the Mica shell. It reads a line, parses it into a struct pipeline
 * and runs it: a built-in here, or else the programs it names, each a
 * child process (spawn_fds), joined by pipes; it waits for them unless the
 * line ends in "&". A command's input and output may be files instead:
 * "< FILE", "> FILE", ">> FILE". While a program runs in the foreground it
 * is the console's foreground process, so ^C ends it. At end of input (^D)
 * the shell exits 0; init starts a new one. docs/shell.md explains it.
 *
 * Parsing and running are apart: the lexer makes tokens, parse() makes
 * the struct pipeline, run() starts it.
 */
#include "mica.h"
#include <mica/proto/console.h>

#define LINE_MAX CONS_LINE_MAX   /* the longest line the console gives, with its '\n' */
#define PIPELINE_MAX 16           /* commands in one pipeline */

/* One command of a line: its words, and where its input and output go. */
struct cmd {
	int argc;
	char *argv[MEM_ARGC_MAX + 1];   /* the words; argv[argc] is NULL */
	char *in;                       /* "< FILE": FILE; NULL: the pipe, or ours */
	char *out;                      /* "> FILE", ">> FILE": FILE; NULL: the pipe, or ours */
	bool append;                    /* it was ">>" */
};

/* A parsed command line: commands joined by "|", then an optional "&". */
struct pipeline {
	int n;                          /* commands; 0 for an empty line */
	struct cmd cmds[PIPELINE_MAX];
	bool background;                /* it ended in "&": do not wait for it */
	char text[LINE_MAX + 1];        /* the words' characters, each word NUL-ended */
};

/* The tokens of a command line. */
enum token {
	TOKEN_END, TOKEN_WORD, TOKEN_AMP, TOKEN_PIPE,
	TOKEN_IN, TOKEN_OUT, TOKEN_APPEND,   /* "<", ">", ">>" */
	TOKEN_OPEN_QUOTE
};

/* A lexer's place: in the line it reads, and in the text it copies words to.
 * Words with their NULs never take more room than the line and its NUL, as
 * every word but the last ends at a character of the line that is dropped
 * (a blank, or the first character of an operator). */
struct lexer {
	const char *in;
	char *out;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does c end a word that is not inside quotes? */
static bool ends_word(char c)
{
	return c == 0 || is_blank(c) || c == '&' || c == '|' || c == '<' || c == '>';
}

/* The next token of the line. For a TOKEN_WORD, *word points to its text
 * (in the lexer's output, NUL-ended), double quotes removed: blanks and
 * operators inside them are part of the word. */
static enum token lex(struct lexer *lx, char **word)
{
	while (is_blank(*lx->in))
		lx->in++;
	switch (*lx->in) {
	case 0:
		return TOKEN_END;
	case '&':
		lx->in++;
		return TOKEN_AMP;
	case '|':
		lx->in++;
		return TOKEN_PIPE;
	case '<':
		lx->in++;
		return TOKEN_IN;
	case '>':
		lx->in++;
		if (*lx->in != '>')
			return TOKEN_OUT;
		lx->in++;
		return TOKEN_APPEND;
	}
	*word = lx->out;
	bool quoted = false;
	for (; quoted ? *lx->in != 0 : !ends_word(*lx->in); lx->in++) {
		if (*lx->in == '"')
			quoted = !quoted;
		else
			*lx->out++ = *lx->in;
	}
	*lx->out++ = 0;
	return quoted ? TOKEN_OPEN_QUOTE : TOKEN_WORD;
}

/* Parse one command into c: words and redirections (the last of each kind
 * counts), up to the token that ends it, TOKEN_END, TOKEN_PIPE or
 * TOKEN_AMP, which goes in *end. Returns NULL, or what is wrong. */
static const char *parse_cmd(struct lexer *lx, struct cmd *c, enum token *end)
{
	static const char *const needs_file[] = {
		[TOKEN_IN] = "< needs a file name after it",
		[TOKEN_OUT] = "> needs a file name after it",
		[TOKEN_APPEND] = ">> needs a file name after it",
	};
	enum token t;
	char *word;
	c->argc = 0;
	c->in = c->out = NULL;
	c->append = false;
	while ((t = lex(lx, &word)) != TOKEN_END && t != TOKEN_PIPE && t != TOKEN_AMP) {
		if (t == TOKEN_OPEN_QUOTE)
			return "a quote is not closed";
		if (t == TOKEN_WORD) {
			if (c->argc == MEM_ARGC_MAX)
				return "too many words";
			c->argv[c->argc++] = word;
			continue;
		}
		enum token redirect = t;   /* TOKEN_IN, TOKEN_OUT or TOKEN_APPEND */
		if ((t = lex(lx, &word)) == TOKEN_OPEN_QUOTE)
			return "a quote is not closed";
		if (t != TOKEN_WORD)
			return needs_file[redirect];
		if (redirect == TOKEN_IN) {
			c->in = word;
		} else {
			c->out = word;
			c->append = redirect == TOKEN_APPEND;
		}
	}
	c->argv[c->argc] = NULL;
	*end = t;
	return NULL;
}

/* Parse a line (NUL-ended, at most LINE_MAX characters) into p: commands
 * joined by "|", then an optional "&". An empty line gives p->n = 0.
 * Returns NULL, or what is wrong with the line. */
static const char *parse(const char *line, struct pipeline *p)
{
	struct lexer lx = { line, p->text };
	enum token end;
	p->n = 0;
	p->background = false;
	do {
		if (p->n == PIPELINE_MAX)
			return "too many commands in one pipeline";
		struct cmd *c = &p->cmds[p->n];
		const char *err = parse_cmd(&lx, c, &end);
		if (err)
			return err;
		if (c->argc == 0) {
			if (end == TOKEN_PIPE)
				return "| needs a command before it";
			if (p->n > 0)
				return "| needs a command after it";
			if (c->in || c->out)
				return "a redirection needs a command";
			if (end == TOKEN_AMP)
				return "& needs a command before it";
			return NULL;   /* an empty line */
		}
		p->n++;
	} while (end == TOKEN_PIPE);
	if (end == TOKEN_AMP) {
		char *word;
		if (lex(&lx, &word) != TOKEN_END)
			return "& must end the line";
		p->background = true;
	}
	return NULL;
}

/* ---- built-ins ---- */

static void builtin_cd(struct cmd *c);
static void builtin_exit(struct cmd *c);
static void builtin_help(struct cmd *c);
static void builtin_pwd(struct cmd *c);

static const struct builtin {
	const char *name;
	void (*run)(struct cmd *c);
	const char *usage;
} builtins[] = {
	{ "cd", builtin_cd, "cd [DIR]                  change the working directory (no DIR: /)" },
	{ "exit", builtin_exit, "exit [STATUS]             leave the shell" },
	{ "help", builtin_help, "help                      this list" },
	{ "pwd", builtin_pwd, "pwd                       print the working directory" },
};

/* The programs a user runs by hand: the boot archive's (the tests of
 * user/tests/ are there too), then the disk's, in /bin (user/bin/). */
static const char *const programs[] = {
	"echo WORD...              print the words",
	"ps                        list the processes and the memory they hold",
	"kill PID...               end processes",
	"sleep SECONDS             wait (\"sleep 0.5\" works too)",
	"true, false               exit with status 0, 1",
	"memtest [TEST]            exercise the pager (TEST: demand, heap, stack or bad)",
	"ls [-ail] [PATH...]       list directories",
	"cat [FILE...]             print files, or standard input",
	"wc [FILE...]              count lines, words and bytes",
	"grep [-cv] STR [FILE...]  print the lines that hold the string STR",
	"cp, mv, ln SRC... DST     copy, rename, link (into DST if a directory)",
	"rm [-rf] FILE...          remove files (-r: directories and all in them)",
	"mkdir, rmdir DIR...       make, remove empty directories",
	"touch FILE...             make empty files",
};

/* LAB shell BEGIN */
static void builtin_cd(struct cmd *c)
{
	if (c->argc > 2) {
		dprintf(2, "usage: cd [DIR]\n");
		return;
	}
	const char *dir = c->argc == 2 ? c->argv[1] : "/";
	long err = chdir(dir);
	if (err < 0)
		dprintf(2, "sh: cd: %s: %s\n", dir, strerror(err));
}

static void builtin_pwd(struct cmd *c)
{
	(void)c;
	printf("%s\n", getcwd());
}

static void builtin_exit(struct cmd *c)
{
	if (c->argc > 2) {
		dprintf(2, "usage: exit [STATUS]\n");
		return;
	}
	long status = 0;
	if (c->argc == 2) {
		char *end;
		status = strtol(c->argv[1], &end, 10);
		if (end == c->argv[1] || *end || status < 0 || status > 255) {
			dprintf(2, "sh: exit: %s: not a status (0 to 255)\n", c->argv[1]);
			return;
		}
	}
	exit((int)status);
}
/* LAB shell ELSE
static void builtin_cd(struct cmd *c)
{
	(void)c;
	dprintf(2, "sh: cd: not written yet (lab shell)\n");
}

static void builtin_pwd(struct cmd *c)
{
	(void)c;
	dprintf(2, "sh: pwd: not written yet (lab shell)\n");
}

static void builtin_exit(struct cmd *c)
{
	(void)c;
	dprintf(2, "sh: exit: not written yet (lab shell)\n");
}
   LAB shell END */

static void builtin_help(struct cmd *c)
{
	(void)c;
	printf("Built into the shell:\n");
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		printf("  %s\n", builtins[i].usage);
	printf("Programs:\n");
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		printf("  %s\n", programs[i]);
	printf("A | B: A's output is B's input. < FILE: read FILE; > FILE: write FILE\n"
	       "(emptied first); >> FILE: add to FILE. A line ending in & runs in the\n"
	       "background; ^C ends the program in the foreground, ^D (on an empty\n"
	       "line) leaves the shell.\n");
}

/* The built-in c names, or NULL if it names a program. */
static const struct builtin *builtin_find(const struct cmd *c)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(c->argv[0], builtins[i].name) == 0)
			return &builtins[i];
	return NULL;
}

/* ---- running programs ---- */

/* How a program that ended with status (from waitpid) ended, in words,
 * into buf; NULL if it exited with status 0. */
static const char *end_words(int status, char *buf, size_t n)
{
	switch (WHOW(status)) {
	case EXIT_NORMAL:
		if (WCODE(status) == 0)
			return NULL;
		snprintf(buf, n, "exit status %d", WCODE(status));
		return buf;
	case EXIT_KILLED: return "killed";
	case EXIT_FAULT:  return "crashed";   /* the memory server said where */
	case EXIT_NOMEM:  return "out of memory";
	default:
		snprintf(buf, n, "ended in an unknown way (%d)", WHOW(status));
		return buf;
	}
}

/* Say which background programs have ended since the last prompt (and
 * so reap them). */
static void reap_background(void)
{
	int status;
	long pid;
	char buf[48];
	while ((pid = waitpid(0, &status, WAIT_NOHANG)) > 0) {
		const char *how = end_words(status, buf, sizeof(buf));
		printf("[%ld] %s\n", pid, how ? how : "done");
	}
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Open the files c's redirections name: files[0] for "<", files[1] for ">"
 * or ">>" (-1: none). Returns false, after saying why, if one cannot be
 * opened; then none is left open. */
static bool redirect_open(const struct cmd *c, int files[2])
{
	files[0] = files[1] = -1;
	/* LAB shell BEGIN */
	if (c->in && (files[0] = open(c->in, O_RDONLY)) < 0) {
		dprintf(2, "sh: %s: %s\n", c->in, strerror(files[0]));
		return false;
	}
	int flags = O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC);
	if (c->out && (files[1] = open(c->out, flags)) < 0) {
		dprintf(2, "sh: %s: %s\n", c->out, strerror(files[1]));
		close_fd(files[0]);
		return false;
	}
	return true;
	/* LAB shell ELSE
	if (!c->in && !c->out)
		return true;
	dprintf(2, "sh: redirection is not written yet (lab shell)\n");
	return false;
	   LAB shell END */
}

/* Run built-in b for c in the shell itself, with its output in c's
 * "> FILE" if it has one: our 1 names that file while it runs. */
static void run_builtin(const struct builtin *b, struct cmd *c)
{
	int files[2];
	if (!redirect_open(c, files))
		return;
	close_fd(files[0]);   /* no built-in reads its input */
	int saved = -1;
	if (files[1] >= 0) {
		saved = dup(1);
		long err = saved < 0 ? saved : dup2(files[1], 1);
		close(files[1]);
		if (err < 0) {
			dprintf(2, "sh: %s: %s\n", c->out, strerror(err));
			close_fd(saved);
			return;
		}
	}
	b->run(c);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
}

/* Start program c->argv[0] with its arguments, its standard input in and
 * output out (descriptors of ours) unless its redirections say otherwise.
 * Returns its pid, or 0 (after saying why) if it could not start. */
static long start(const struct cmd *c, int in, int out)
{
	int files[2];
	if (!redirect_open(c, files))
		return 0;
	int fds[3] = { files[0] >= 0 ? files[0] : in, files[1] >= 0 ? files[1] : out, 2 };
	long pid = spawn_fds(c->argv, fds);
	close_fd(files[0]);   /* the child has handles of its own on them */
	close_fd(files[1]);
	if (pid == -ENOENT)
		dprintf(2, "%s: program not found\n", c->argv[0]);
	else if (pid < 0)
		dprintf(2, "%s: cannot run: error %ld (%s)\n", c->argv[0], -pid, strerror(pid));
	return pid > 0 ? pid : 0;
}

/* Wait for the commands of p that started (pids[i]; 0: it did not), the
 * last first, each in turn the console's foreground process, so that ^C
 * ends the one we wait for; one that was killed ends those before it too.
 * Say how the last one ended (the pipeline's status) unless it was exit(0),
 * and how any other ended if it crashed or ran out of memory. */
static void wait_pipeline(const struct pipeline *p, const long pids[])
{
	bool killed = false;
	for (int i = p->n - 1; i >= 0; i--) {
		if (!pids[i])
			continue;
		if (killed)
			kill(pids[i]);
		const char *name = p->cmds[i].argv[0];
		int status;
		console_set_fg(pids[i]);
		long r = waitpid(pids[i], &status, 0);
		console_set_fg(0);
		if (r < 0) {
			dprintf(2, "sh: waiting for %s: error %ld (%s)\n", name, -r, strerror(r));
			continue;
		}
		killed |= WHOW(status) == EXIT_KILLED;
		char buf[48];
		const char *how = end_words(status, buf, sizeof(buf));
		bool failed = WHOW(status) == EXIT_FAULT || WHOW(status) == EXIT_NOMEM;
		if (how && (i == p->n - 1 || failed))
			dprintf(2, "%s: %s\n", name, how);
	}
}

/* Run the programs of p, each one's output piped into the next one's
 * input, and wait for them; in the background, only say their pids. A
 * command that cannot start is left out: the others still run. */
static void run_pipeline(const struct pipeline *p)
{
	long pids[PIPELINE_MAX] = { 0 };
	/* LAB shell BEGIN */
	int prev = -1;   /* the read end of the pipe into command i; -1 for the first */
	for (int i = 0; i < p->n; i++) {
		int ends[2] = { -1, -1 };   /* the pipe out of command i; none for the last */
		if (i < p->n - 1) {
			long err = pipe(ends);
			if (err < 0) {
				dprintf(2, "sh: cannot make a pipe: %s\n", strerror(err));
				break;
			}
		}
		pids[i] = start(&p->cmds[i], prev >= 0 ? prev : 0, ends[1] >= 0 ? ends[1] : 1);
		/* The children have handles of their own: ours must go, or the
		 * pipe's reader would never see its end (we would be a writer). */
		close_fd(prev);
		close_fd(ends[1]);
		prev = ends[0];
	}
	close_fd(prev);   /* left if a pipe could not be made */
	/* LAB shell ELSE
	if (p->n > 1) {
		dprintf(2, "sh: pipes are not written yet (lab shell)\n");
		return;
	}
	pids[0] = start(&p->cmds[0], 0, 1);
	   LAB shell END */
	if (!p->background) {
		wait_pipeline(p, pids);
		return;
	}
	const char *sep = "";
	for (int i = 0; i < p->n; i++)
		if (pids[i]) {
			printf("%s[%ld]", sep, pids[i]);
			sep = " ";
		}
	if (*sep)
		printf("\n");
}

/* Run a parsed line: a built-in in the shell itself, else its programs. */
static void run(struct pipeline *p)
{
	for (int i = 0; i < p->n; i++) {
		const struct builtin *b = builtin_find(&p->cmds[i]);
		if (b && p->n > 1) {
			dprintf(2, "sh: %s: a built-in cannot be part of a pipeline\n", b->name);
			return;
		}
		if (b) {
			run_builtin(b, &p->cmds[0]);
			return;
		}
	}
	run_pipeline(p);
}

/* ---- reading lines ---- */

/* Read and drop the rest of a line that did not fit in buf. */
static void skip_line(char *buf, size_t n)
{
	long r;
	do
		r = read(0, buf, n);
	while (r == (long)n && buf[n - 1] != '\n');
}

int main(void)
{
	char line[LINE_MAX + 1];
	static struct pipeline p;   /* big: not on the stack */
	ktest(KTEST_BOOTMARK);   /* make bench: boot_to_shell ends here */
	for (;;) {
		reap_background();
		printf("$ ");
		long n = read(0, line, LINE_MAX);
		if (n == 0) {
			printf("\n");   /* ^D echoes nothing: end the prompt's line */
			return 0;
		}
		if (n == -EINTR)
			continue;   /* ^C dropped the line */
		if (n == -EBUSY) {   /* too many readers wait at the console: ours will come */
			sleep_ms(100);
			continue;
		}
		if (n < 0) {
			dprintf(2, "sh: cannot read the console: error %ld\n", -n);
			return 1;
		}
		line[n] = 0;
		if (n == LINE_MAX && line[n - 1] != '\n') {
			dprintf(2, "sh: line too long (at most %d characters)\n", LINE_MAX - 1);
			skip_line(line, LINE_MAX);
			continue;
		}
		const char *err = parse(line, &p);
		if (err)
			dprintf(2, "sh: %s\n", err);
		else if (p.n > 0)
			run(&p);
	}
}
