/* setjmp/longjmp based error recovery. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf parse_env;
static const char *parse_err;
int parse_failures;

static void parse_fail(const char *msg) __attribute__((noreturn));
static void parse_fail(const char *msg)
{
    parse_err = msg;
    longjmp(parse_env, 1);
}

static long parse_number(const char **pp)
{
    const char *p = *pp;
    long v = 0;
    if (*p < '0' || *p > '9')
        parse_fail("expected digit");
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    *pp = p;
    return v;
}

static long parse_expr(const char **pp)
{
    long v = parse_number(pp);
    while (**pp == '+' || **pp == '-') {
        char op = *(*pp)++;
        long r = parse_number(pp);
        v = op == '+' ? v + r : v - r;
    }
    return v;
}

int safe_parse(const char *s, long *out)
{
    volatile int attempts = 0;
    if (setjmp(parse_env)) {
        parse_failures++;
        attempts++;
        return -attempts;
    }
    const char *p = s;
    *out = parse_expr(&p);
    if (*p)
        parse_fail("trailing garbage");
    return 0;
}

const char *last_parse_error(void)
{
    return parse_err ? parse_err : "";
}

static jmp_buf *current_handler;

void throw_code(int code)
{
    if (current_handler)
        longjmp(*current_handler, code);
    abort();
}

int try_call(void (*fn)(int), int arg)
{
    jmp_buf env;
    jmp_buf *saved = current_handler;
    int code = setjmp(env);
    if (code == 0) {
        current_handler = &env;
        fn(arg);
        current_handler = saved;
        return 0;
    }
    current_handler = saved;
    return code;
}
