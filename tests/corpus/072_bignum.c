/* Multi-precision unsigned integers: add/sub with carry, mul, compare, to-string. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define BN_LIMBS 16
typedef struct { uint64_t limb[BN_LIMBS]; } bignum;

bignum bn_one = { { 1 } };
static const char bn_digits[] = "0123456789";

uint64_t bn_add(bignum *r, const bignum *a, const bignum *b)
{
    unsigned char carry = 0;
    for (int i = 0; i < BN_LIMBS; i++) {
        unsigned long long s;
        carry = (unsigned char)__builtin_add_overflow(a->limb[i], b->limb[i], &s) |
                (unsigned char)__builtin_add_overflow(s, (unsigned long long)carry, &s);
        r->limb[i] = s;
    }
    return carry;
}

uint64_t bn_sub(bignum *r, const bignum *a, const bignum *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < BN_LIMBS; i++) {
        unsigned __int128 d = (unsigned __int128)a->limb[i] - b->limb[i] - borrow;
        r->limb[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

void bn_mul(bignum *r, const bignum *a, const bignum *b)
{
    uint64_t t[BN_LIMBS] = { 0 };
    for (int i = 0; i < BN_LIMBS; i++) {
        uint64_t carry = 0;
        for (int j = 0; i + j < BN_LIMBS; j++) {
            unsigned __int128 p = (unsigned __int128)a->limb[i] * b->limb[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)p;
            carry = (uint64_t)(p >> 64);
        }
    }
    memcpy(r->limb, t, sizeof t);
}

int bn_cmp(const bignum *a, const bignum *b)
{
    for (int i = BN_LIMBS - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i])
            return a->limb[i] > b->limb[i] ? 1 : -1;
    return 0;
}

int bn_is_zero(const bignum *a)
{
    uint64_t acc = 0;
    for (int i = 0; i < BN_LIMBS; i++)
        acc |= a->limb[i];
    return acc == 0;
}

static uint32_t bn_divmod_small(bignum *a, uint32_t d)
{
    unsigned __int128 rem = 0;
    for (int i = BN_LIMBS - 1; i >= 0; i--) {
        unsigned __int128 cur = (rem << 64) | a->limb[i];
        a->limb[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

size_t bn_to_dec(char *out, size_t cap, const bignum *a)
{
    bignum t = *a;
    char tmp[BN_LIMBS * 20 + 2];
    size_t n = 0;
    do {
        tmp[n++] = bn_digits[bn_divmod_small(&t, 10)];
    } while (!bn_is_zero(&t) && n < sizeof tmp);
    if (n + 1 > cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

void bn_from_u64(bignum *r, uint64_t v)
{
    memset(r, 0, sizeof *r);
    r->limb[0] = v;
}

void bn_shl1(bignum *r)
{
    for (int i = BN_LIMBS - 1; i > 0; i--)
        r->limb[i] = (r->limb[i] << 1) | (r->limb[i - 1] >> 63);
    r->limb[0] <<= 1;
}
