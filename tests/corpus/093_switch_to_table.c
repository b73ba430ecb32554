/* Switches that gcc converts into lookup tables (CSWTCH.*), bit-test
   switches, and switches returning strings/floats. */
#include <stdint.h>

int switch_table_hits;

int days_in_month(int m)
{
    switch (m) {
    case 1: return 31; case 2: return 28; case 3: return 31; case 4: return 30;
    case 5: return 31; case 6: return 30; case 7: return 31; case 8: return 31;
    case 9: return 30; case 10: return 31; case 11: return 30; case 12: return 31;
    default: return 0;
    }
}

const char *weekday(int d)
{
    switch (d) {
    case 0: return "Sunday"; case 1: return "Monday"; case 2: return "Tuesday";
    case 3: return "Wednesday"; case 4: return "Thursday"; case 5: return "Friday";
    case 6: return "Saturday";
    default: return "?";
    }
}

double unit_factor(char u)
{
    switch (u) {
    case 'k': return 1e3;
    case 'M': return 1e6;
    case 'G': return 1e9;
    case 'T': return 1e12;
    case 'm': return 1e-3;
    case 'u': return 1e-6;
    case 'n': return 1e-9;
    default: return 1.0;
    }
}

int is_hex_letter(int c)
{
    switch (c) {
    case 'a': case 'b': case 'c': case 'd': case 'e': case 'f':
    case 'A': case 'B': case 'C': case 'D': case 'E': case 'F':
        return 1;
    default:
        return 0;
    }
}

uint8_t opcode_length(uint8_t op)
{
    switch (op) {
    case 0x00: case 0x01: case 0x02: case 0x03: return 2;
    case 0x04: case 0x05: return 1;
    case 0x06: case 0x07: case 0x08: return 3;
    case 0x09: return 5;
    case 0x0a: case 0x0b: return 4;
    case 0x0c: case 0x0d: case 0x0e: case 0x0f: return 6;
    case 0x10: return 9;
    default: return 0;
    }
}

int64_t big_values(int k)
{
    switch (k) {
    case 0: return 1000000000000LL;
    case 1: return -77777777777LL;
    case 2: return 0x7fffffffffffLL;
    case 3: return 42;
    case 4: return -1;
    case 5: return 123456789012345LL;
    default: switch_table_hits++; return 0;
    }
}

int month_days_total(void)
{
    int t = 0;
    for (int m = 1; m <= 12; m++)
        t += days_in_month(m);
    return t;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month_year(int m, int y)
{
    return days_in_month(m) + (m == 2 && is_leap(y));
}
