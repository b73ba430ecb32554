/* String literals with escapes, quotes, backslashes, non-ASCII and NULs. */
#include <stdio.h>
#include <string.h>
#include <stddef.h>

const char *const str_table[] = {
    "plain ascii",
    "tab\there\nnewline",
    "quote \" inside",
    "backslash \\ and \\\\ double",
    "bell\a back\b form\f vtab\v cr\r",
    "caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80",
    "embedded\0nul\0bytes",
    "octal \001\002\177\200\377",
    "percent %% and %s",
    "",
};

const char embedded_blob[] = "A\0B\0C\0\0\xff\xfe";
static const char hexdig[] = "0123456789abcdef";
char mutable_buf[] = "writable \"string\" with 'quotes'";
const char utf8_src[] = "Grüße, 世界! Ελληνικά";

size_t str_table_count(void)
{
    return sizeof str_table / sizeof str_table[0];
}

size_t blob_len(void)
{
    return sizeof embedded_blob;
}

void print_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\x%c%c", hexdig[c >> 4], hexdig[c & 15]);
        else
            fputc(c, f);
    }
    fputs("\"\n", f);
}

int greet(const char *name)
{
    return printf("Hello, \"%s\"!\tWelcome to \\llmcc\\.\n", name);
}

int wide_len(void)
{
    const wchar_t *w = L"wide \u00e9";
    int n = 0;
    while (w[n])
        n++;
    return n;
}

int compare_magic(const char *s)
{
    return memcmp(s, "\x7f" "ELF\x02\x01\x01", 7) == 0;
}

const char *long_message(void)
{
    return "This is a rather long string literal that spans a lot of columns "
           "and is concatenated from several pieces so that gcc emits a "
           "single long .string directive in .rodata.str1.8 or similar.";
}

size_t utf8_bytes(void)
{
    return strlen(utf8_src) + strlen(mutable_buf);
}

static int count_char(const char *s, size_t n, char c)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

int blob_nul_count(void)
{
    return count_char(embedded_blob, sizeof embedded_blob, '\0') +
           count_char(str_table[6], 20, '\0');
}
