/*
 * sh: the Mica shell. It reads a line, parses it into a struct cmd and
 * runs it: a built-in here, or else the program the first word names, as
 * a child process (spawn) that it waits for, unless the line ends in "&".
 * While a program runs in the foreground it is the console's foreground
 * process, so ^C ends it. At end of input (^D) the shell exits 0; init
 * starts a new one.
 *
 * Parsing and running are apart so that lab shell can add pipes and
 * redirections: new tokens for the lexer, new fields in struct cmd.
 */
#include "mica.h"
#include <mica/proto/console.h>

#define LINE_MAX CONS_LINE_MAX   /* the longest line the console gives, with its '\n' */

/* A parsed command line. */
struct cmd {
	int argc;
	char *argv[MEM_ARGC_MAX + 1];   /* the words; argv[argc] is NULL */
	bool background;                /* it ended in "&": do not wait for it */
	char text[LINE_MAX + 1];        /* the words' characters, each word NUL-ended */
};

/* The tokens of a command line. */
enum token { TOKEN_END, TOKEN_WORD, TOKEN_AMP, TOKEN_OPEN_QUOTE };

/* A lexer's place: in the line it reads, and in the text it copies words to.
 * Words with their NULs never take more room than the line and its NUL, as
 * every word but the last ends at a character of the line that is dropped. */
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
	return c == 0 || is_blank(c) || c == '&';
}

/* The next token of the line. For a TOKEN_WORD, *word points to its text
 * (in the lexer's output, NUL-ended), double quotes removed: blanks and
 * '&' inside them are part of the word. */
static enum token lex(struct lexer *lx, char **word)
{
	while (is_blank(*lx->in))
		lx->in++;
	if (*lx->in == 0)
		return TOKEN_END;
	if (*lx->in == '&') {
		lx->in++;
		return TOKEN_AMP;
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

/* Parse a line (NUL-ended, at most LINE_MAX characters) into c: words,
 * then an optional "&". An empty line gives argc 0. Returns NULL, or what
 * is wrong with the line. */
static const char *parse(const char *line, struct cmd *c)
{
	struct lexer lx = { line, c->text };
	enum token t;
	char *word;
	c->argc = 0;
	c->background = false;
	while ((t = lex(&lx, &word)) == TOKEN_WORD) {
		if (c->argc == MEM_ARGC_MAX)
			return "too many words";
		c->argv[c->argc++] = word;
	}
	c->argv[c->argc] = NULL;
	if (t == TOKEN_OPEN_QUOTE)
		return "a quote is not closed";
	if (t == TOKEN_AMP) {
		if (c->argc == 0)
			return "& needs a command before it";
		if (lex(&lx, &word) != TOKEN_END)
			return "& must end the line";
		c->background = true;
	}
	return NULL;
}

/* ---- built-ins ---- */

static void builtin_exit(struct cmd *c);
static void builtin_help(struct cmd *c);

static const struct builtin {
	const char *name;
	void (*run)(struct cmd *c);
	const char *usage;
} builtins[] = {
	{ "exit", builtin_exit, "exit [STATUS]     leave the shell" },
	{ "help", builtin_help, "help              this list" },
};

/* The programs of the boot archive a user runs by hand (the tests of
 * user/tests/ are there too). */
static const char *const programs[] = {
	"echo WORD...      print the words",
	"ps                list the processes and the memory they hold",
	"kill PID...       end processes",
	"sleep SECONDS     wait (\"sleep 0.5\" works too)",
	"true, false       exit with status 0, 1",
	"memtest [TEST]    exercise the pager (TEST: demand, heap, stack or bad)",
};

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

static void builtin_help(struct cmd *c)
{
	(void)c;
	printf("Built into the shell:\n");
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		printf("  %s\n", builtins[i].usage);
	printf("Programs:\n");
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		printf("  %s\n", programs[i]);
	printf("A line ending in & runs in the background; ^C ends the program in the\n"
	       "foreground, ^D (on an empty line) leaves the shell.\n");
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

/* What an error code means, for the errors spawn and wait give most. */
static const char *error_words(long err)
{
	switch (-err) {
	case EPERM:   return "not permitted";
	case ENOENT:  return "not found";
	case E2BIG:   return "argument list too long";
	case ENOEXEC: return "not an executable";
	case EAGAIN:  return "too many processes";
	case ENOMEM:  return "out of memory";
	case EINVAL:  return "invalid argument";
	default:      return "unknown error";
	}
}

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

/* Run program c->argv[0] with its arguments: wait for it and say how it
 * ended unless that was exit(0); in the background, only say its pid. */
static void run_program(const struct cmd *c)
{
	const char *name = c->argv[0];
	long pid = spawn(c->argv);
	if (pid == -ENOENT) {
		dprintf(2, "%s: program not found\n", name);
		return;
	}
	if (pid < 0) {
		dprintf(2, "%s: cannot run: error %ld (%s)\n", name, -pid, error_words(pid));
		return;
	}
	if (c->background) {
		printf("[%ld]\n", pid);
		return;
	}
	int status;
	console_set_fg(pid);
	long r = waitpid(pid, &status, 0);
	console_set_fg(0);
	if (r < 0) {
		dprintf(2, "sh: waiting for %s: error %ld (%s)\n", name, -r, error_words(r));
		return;
	}
	char buf[48];
	const char *how = end_words(status, buf, sizeof(buf));
	if (how)
		dprintf(2, "%s: %s\n", name, how);
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

static void run(struct cmd *c)
{
	const struct builtin *b = builtin_find(c);
	if (b)
		b->run(c);
	else
		run_program(c);
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
	struct cmd c;
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
		const char *err = parse(line, &c);
		if (err)
			dprintf(2, "sh: %s\n", err);
		else if (c.argc > 0)
			run(&c);
	}
}
