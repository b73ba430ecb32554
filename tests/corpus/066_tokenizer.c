/* A C-like tokenizer: keyword lookup, numbers, strings, operators. */
#include <stddef.h>
#include <string.h>
#include <stdint.h>

enum tok_kind { T_EOF, T_IDENT, T_KEYWORD, T_INT, T_FLOAT, T_STRING, T_CHAR, T_OP, T_ERROR };

struct token { enum tok_kind kind; const char *start; size_t len; int64_t ival; };

static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if",
    "int", "long", "register", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
};
static const char *const two_char_ops[] = {
    "==", "!=", "<=", ">=", "&&", "||", "++", "--", "->", "<<", ">>", "+=", "-=",
};
size_t tokens_produced;

static int is_keyword(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0)
            return 1;
    return 0;
}

static int is_ident_char(int c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

const char *next_token(const char *p, struct token *t)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    t->start = p;
    t->ival = 0;
    if (!*p) {
        t->kind = T_EOF;
        t->len = 0;
        return p;
    }
    tokens_produced++;
    if (is_ident_char((unsigned char)*p) && !(*p >= '0' && *p <= '9')) {
        while (is_ident_char((unsigned char)*p))
            p++;
        t->len = (size_t)(p - t->start);
        t->kind = is_keyword(t->start, t->len) ? T_KEYWORD : T_IDENT;
        return p;
    }
    if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            t->ival = t->ival * 10 + (*p++ - '0');
        t->kind = T_INT;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
            t->kind = T_FLOAT;
        }
        t->len = (size_t)(p - t->start);
        return p;
    }
    if (*p == '"' || *p == '\'') {
        char q = *p++;
        while (*p && *p != q) {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        t->kind = *p ? (q == '"' ? T_STRING : T_CHAR) : T_ERROR;
        if (*p)
            p++;
        t->len = (size_t)(p - t->start);
        return p;
    }
    for (size_t i = 0; i < sizeof two_char_ops / sizeof *two_char_ops; i++)
        if (p[0] == two_char_ops[i][0] && p[1] == two_char_ops[i][1]) {
            t->kind = T_OP;
            t->len = 2;
            return p + 2;
        }
    t->kind = strchr("+-*/%=<>!&|^~?:;,.()[]{}", *p) ? T_OP : T_ERROR;
    t->len = 1;
    return p + 1;
}

size_t count_tokens(const char *src, size_t *keywords_out)
{
    struct token t;
    size_t n = 0, k = 0;
    for (src = next_token(src, &t); t.kind != T_EOF; src = next_token(src, &t)) {
        n++;
        k += t.kind == T_KEYWORD;
    }
    if (keywords_out)
        *keywords_out = k;
    return n;
}
