/* Explicit state machines: enum switch in loop, table-driven transitions. */
#include <stddef.h>
#include <stdint.h>

enum lex_state { S_START, S_IDENT, S_NUMBER, S_STRING, S_ESCAPE, S_COMMENT, S_DONE };
enum char_class { C_ALPHA, C_DIGIT, C_QUOTE, C_BSLASH, C_HASH, C_NL, C_SPACE, C_OTHER, C_COUNT };

static const uint8_t transitions[S_DONE][C_COUNT] = {
    /* START */   { S_IDENT, S_NUMBER, S_STRING, S_START, S_COMMENT, S_START, S_START, S_START },
    /* IDENT */   { S_IDENT, S_IDENT, S_START, S_START, S_COMMENT, S_START, S_START, S_START },
    /* NUMBER */  { S_START, S_NUMBER, S_START, S_START, S_COMMENT, S_START, S_START, S_START },
    /* STRING */  { S_STRING, S_STRING, S_START, S_ESCAPE, S_STRING, S_STRING, S_STRING, S_STRING },
    /* ESCAPE */  { S_STRING, S_STRING, S_STRING, S_STRING, S_STRING, S_STRING, S_STRING, S_STRING },
    /* COMMENT */ { S_COMMENT, S_COMMENT, S_COMMENT, S_COMMENT, S_COMMENT, S_START, S_COMMENT, S_COMMENT },
};

unsigned state_counts[S_DONE + 1];

static enum char_class classify_char(unsigned char c)
{
    if ((c | 32) >= 'a' && (c | 32) <= 'z') return C_ALPHA;
    if (c == '_') return C_ALPHA;
    if (c >= '0' && c <= '9') return C_DIGIT;
    switch (c) {
    case '"': return C_QUOTE;
    case '\\': return C_BSLASH;
    case '#': return C_HASH;
    case '\n': return C_NL;
    case ' ': case '\t': case '\r': return C_SPACE;
    default: return C_OTHER;
    }
}

int run_table_fsm(const char *s, size_t n)
{
    enum lex_state st = S_START;
    int tokens = 0;
    for (size_t i = 0; i < n; i++) {
        enum lex_state nx = (enum lex_state)transitions[st][classify_char((unsigned char)s[i])];
        if (nx != st && nx != S_START)
            tokens++;
        state_counts[nx]++;
        st = nx;
    }
    return tokens;
}

int run_switch_fsm(const char *s)
{
    enum lex_state st = S_START;
    int idents = 0;
    for (;;) {
        unsigned char c = (unsigned char)*s++;
        switch (st) {
        case S_START:
            if (!c) st = S_DONE;
            else if ((c | 32) >= 'a' && (c | 32) <= 'z') { st = S_IDENT; idents++; }
            else if (c >= '0' && c <= '9') st = S_NUMBER;
            else if (c == '"') st = S_STRING;
            else if (c == '#') st = S_COMMENT;
            break;
        case S_IDENT:
            if (!c) st = S_DONE;
            else if (!(((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'))) st = S_START;
            break;
        case S_NUMBER:
            if (!c) st = S_DONE;
            else if (c < '0' || c > '9') st = S_START;
            break;
        case S_STRING:
            if (!c) st = S_DONE;
            else if (c == '\\') st = S_ESCAPE;
            else if (c == '"') st = S_START;
            break;
        case S_ESCAPE:
            st = c ? S_STRING : S_DONE;
            break;
        case S_COMMENT:
            if (!c) st = S_DONE;
            else if (c == '\n') st = S_START;
            break;
        case S_DONE:
            return idents;
        }
    }
}

void reset_counts(void)
{
    for (int i = 0; i <= S_DONE; i++)
        state_counts[i] = 0;
}
