/* Thread-local storage: _Thread_local and __thread, .tbss/.tdata. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Thread_local int tls_counter;
_Thread_local int tls_initialized = 17;
__thread char tls_buf[256];
static __thread uint64_t tls_rng_state = 0x9e3779b97f4a7c15ULL;
static _Thread_local const char *tls_last_error;
extern __thread int tls_extern_thing;
__thread int tls_extern_thing = 3;

int tls_next(void)
{
    return ++tls_counter;
}

uint64_t tls_rand(void)
{
    uint64_t x = tls_rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    tls_rng_state = x;
    return x;
}

void tls_set_error(const char *e)
{
    tls_last_error = e;
    size_t n = strlen(e);
    if (n >= sizeof tls_buf)
        n = sizeof tls_buf - 1;
    memcpy(tls_buf, e, n);
    tls_buf[n] = 0;
}

const char *tls_get_error(void)
{
    return tls_last_error ? tls_last_error : "no error";
}

int *tls_counter_addr(void)
{
    return &tls_counter;
}

int tls_sum(void)
{
    return tls_counter + tls_initialized + tls_extern_thing + tls_buf[0];
}

static void tls_fill(char c)
{
    memset(tls_buf, c, sizeof tls_buf);
}

void tls_reset(void)
{
    tls_fill(0);
    tls_counter = 0;
    tls_rng_state = 1;
}
