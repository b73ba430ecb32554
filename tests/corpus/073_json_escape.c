/* A tiny JSON scanner: skip whitespace, parse numbers/strings/literals,
   validate nesting with an explicit stack. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

enum json_type { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT, J_ERROR };

static const char *const json_type_names[] = {
    "null", "false", "true", "number", "string", "array", "object", "error",
};
int json_max_depth = 64;
static unsigned json_errors;

const char *json_type_name(enum json_type t)
{
    return (unsigned)t <= J_ERROR ? json_type_names[t] : "?";
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *scan_string(const char *p)
{
    p++;
    while (*p != '"') {
        if (!*p || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

enum json_type json_scan_value(const char **pp, double *num)
{
    const char *p = skip_ws(*pp);
    enum json_type t;
    switch (*p) {
    case 'n': t = strncmp(p, "null", 4) ? J_ERROR : J_NULL; p += 4; break;
    case 't': t = strncmp(p, "true", 4) ? J_ERROR : J_TRUE; p += 4; break;
    case 'f': t = strncmp(p, "false", 5) ? J_ERROR : J_FALSE; p += 5; break;
    case '"': p = scan_string(p); t = p ? J_STRING : J_ERROR; break;
    case '[': t = J_ARRAY; p++; break;
    case '{': t = J_OBJECT; p++; break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
        char *end;
        *num = strtod(p, &end);
        t = end == p ? J_ERROR : J_NUMBER;
        p = end;
        break;
    }
    default: t = J_ERROR; break;
    }
    if (t == J_ERROR) {
        json_errors++;
        return t;
    }
    *pp = p;
    return t;
}

int json_check_nesting(const char *p)
{
    char stack[128];
    int depth = 0;
    for (; *p; p++) {
        if (*p == '"') {
            p = scan_string(p);
            if (!p)
                return -1;
            p--;
        } else if (*p == '[' || *p == '{') {
            if (depth >= json_max_depth || depth >= (int)sizeof stack)
                return -2;
            stack[depth++] = *p == '[' ? ']' : '}';
        } else if (*p == ']' || *p == '}') {
            if (depth == 0 || stack[--depth] != *p)
                return -3;
        }
    }
    return depth == 0 ? 0 : -4;
}

unsigned json_error_count(void) { return json_errors; }
