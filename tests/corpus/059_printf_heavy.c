/* Formatting-heavy code: many printf/snprintf/fprintf calls and formats. */
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <stddef.h>

static const char *const level_names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR" };
int log_level = 2;

int print_record(FILE *f, int id, const char *name, double value)
{
    return fprintf(f, "%6d | %-20s | %12.4f | %e | %g\n", id, name, value, value, value);
}

int print_ints(char *buf, size_t n, int8_t a, int16_t b, int32_t c, int64_t d)
{
    return snprintf(buf, n, "%" PRId8 " %" PRId16 " %" PRId32 " %" PRId64 " %#" PRIx64,
                    a, b, c, d, (uint64_t)d);
}

void print_table(const double *v, size_t n)
{
    puts("+-------+------------+");
    for (size_t i = 0; i < n; i++)
        printf("| %5zu | %10.3f |\n", i, v[i]);
    puts("+-------+------------+");
}

void log_msg(int level, const char *msg)
{
    if (level < log_level)
        return;
    fprintf(stderr, "[%s] %s\n", level_names[level % 5], msg);
}

int print_misc(char *buf, size_t n, const void *p, char c, unsigned u)
{
    return snprintf(buf, n, "%p '%c' %u %o %X %%", p, c, u, u, u);
}

int hexdump(FILE *f, const uint8_t *p, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i += 16) {
        total += fprintf(f, "%08zx  ", i);
        for (size_t j = i; j < i + 16; j++) {
            if (j < n)
                total += fprintf(f, "%02x ", p[j]);
            else
                total += fprintf(f, "   ");
        }
        fputc('|', f);
        for (size_t j = i; j < i + 16 && j < n; j++)
            fputc(p[j] >= 32 && p[j] < 127 ? p[j] : '.', f);
        total += fprintf(f, "|\n");
    }
    return total;
}

int print_long_double(char *buf, size_t n, long double x)
{
    return snprintf(buf, n, "%.20Lf %La", x, x);
}

static const char *level_name(int level)
{
    return level >= 0 && level < 5 ? level_names[level] : "?????";
}

int print_level(char *buf, size_t n, int level)
{
    return snprintf(buf, n, "<%s:%d>", level_name(level), level);
}
