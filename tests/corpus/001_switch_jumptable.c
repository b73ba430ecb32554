/* Dense switch statements: gcc emits .rodata jump tables (.long .Lx-.Ly). */
#include <stddef.h>
#include <stdint.h>

int switch_global_counter;

static int helper_scale(int x, int k)
{
    return x * k + (k >> 1);
}

int dense_switch(int op, int a, int b)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return b ? a / b : 0;
    case 4: return b ? a % b : 0;
    case 5: return a & b;
    case 6: return a | b;
    case 7: return a ^ b;
    case 8: return a << (b & 31);
    case 9: return a >> (b & 31);
    case 10: return helper_scale(a, b);
    case 11: return -a;
    case 12: return ~a;
    case 13: return a > b ? a : b;
    case 14: return a < b ? a : b;
    default: return 0;
    }
}

const char *color_name(unsigned c)
{
    switch (c) {
    case 0: return "black";
    case 1: return "red";
    case 2: return "green";
    case 3: return "yellow";
    case 4: return "blue";
    case 5: return "magenta";
    case 6: return "cyan";
    case 7: return "white";
    case 8: return "bright black";
    case 9: return "bright red";
    default: return "unknown";
    }
}

void count_classes(const unsigned char *s, size_t n, int counts[8])
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case 'a': case 'e': case 'i': case 'o': case 'u':
            counts[0]++;
            break;
        case 'b': case 'c': case 'd': case 'f': case 'g':
            counts[1]++;
            break;
        case 'h': case 'j': case 'k': case 'l': case 'm':
            counts[2]++;
            break;
        case 'n': case 'p': case 'q': case 'r': case 's':
            counts[3]++;
            break;
        case 't': case 'v': case 'w': case 'x':
            counts[4]++;
            break;
        case 'y': case 'z':
            counts[5]++;
            break;
        case ' ':
            counts[6]++;
            break;
        default:
            counts[7]++;
            switch_global_counter++;
            break;
        }
    }
}

int64_t switch_in_loop(const int *ops, size_t n, int64_t acc)
{
    for (size_t i = 0; i < n; i++) {
        switch (ops[i]) {
        case 0: acc += 1; break;
        case 1: acc -= 3; break;
        case 2: acc *= 2; break;
        case 3: acc ^= 0x55; break;
        case 4: acc = acc >> 1; break;
        case 5: acc += ops[i]; break;
        case 6: acc -= (int64_t)i; break;
        case 7: acc = acc * 3 + 1; break;
        default: break;
        }
    }
    return acc;
}
