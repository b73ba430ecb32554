/* Sparse switches: gcc lowers these to compare trees / bit tests. */
#include <stdint.h>

static const int sparse_bias[4] = { 3, 7, 11, 13 };

int sparse_switch(int key)
{
    switch (key) {
    case 1: return 10;
    case 100: return 20;
    case 1000: return 30;
    case 10000: return 40;
    case 100000: return 50;
    case -5: return 60;
    case 65536: return 70;
    case 1 << 24: return 80;
    default: return -1;
    }
}

static int http_class(int code)
{
    switch (code) {
    case 200: case 201: case 204: return 2;
    case 301: case 302: case 304: return 3;
    case 400: case 401: case 403: case 404: return 4;
    case 500: case 502: case 503: return 5;
    default: return 0;
    }
}

int http_bucket(int code)
{
    return http_class(code) * 100 + sparse_bias[code & 3];
}

int is_separator(int c)
{
    switch (c) {
    case ' ': case '\t': case '\n': case '\r':
    case ',': case ';': case ':': case '|':
        return 1;
    default:
        return 0;
    }
}

uint32_t sparse_u64(uint64_t k)
{
    switch (k) {
    case 0x100000000ULL: return 1;
    case 0xdeadbeefcafeULL: return 2;
    case 0x7fffffffffffffffULL: return 3;
    case 42: return 4;
    default: return 0;
    }
}

int range_switch(int x)
{
    switch (x) {
    case 0 ... 9: return 1;
    case 10 ... 99: return 2;
    case 100 ... 999: return 3;
    case 1000 ... 9999: return 4;
    default: return 5;
    }
}
