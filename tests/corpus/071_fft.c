/* Radix-2 FFT on complex doubles plus a real DFT helper. */
#include <complex.h>
#include <math.h>
#include <stddef.h>

#define FFT_MAX 1024
static double _Complex twiddle[FFT_MAX / 2];
static size_t twiddle_n;
double fft_last_energy;

static void fft_prepare(size_t n)
{
    if (twiddle_n == n)
        return;
    for (size_t k = 0; k < n / 2; k++)
        twiddle[k] = cexp(-2.0 * M_PI * I * (double)k / (double)n);
    twiddle_n = n;
}

static size_t bit_reverse(size_t x, unsigned bits)
{
    size_t r = 0;
    for (unsigned i = 0; i < bits; i++) {
        r = (r << 1) | (x & 1);
        x >>= 1;
    }
    return r;
}

int fft(double _Complex *a, size_t n)
{
    if (n == 0 || n > FFT_MAX || (n & (n - 1)))
        return -1;
    unsigned bits = (unsigned)__builtin_ctzll(n);
    fft_prepare(n);
    for (size_t i = 0; i < n; i++) {
        size_t j = bit_reverse(i, bits);
        if (j > i) {
            double _Complex t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t step = n / len;
        for (size_t i = 0; i < n; i += len)
            for (size_t k = 0; k < len / 2; k++) {
                double _Complex w = twiddle[k * step];
                double _Complex u = a[i + k], v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
            }
    }
    return 0;
}

double spectrum_energy(const double _Complex *a, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += creal(a[i]) * creal(a[i]) + cimag(a[i]) * cimag(a[i]);
    fft_last_energy = e;
    return e;
}

void dft_real(double *restrict re, double *restrict im, const double *restrict x, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double sr = 0, si = 0;
        for (size_t t = 0; t < n; t++) {
            double ang = 2 * M_PI * (double)(k * t) / (double)n;
            sr += x[t] * cos(ang);
            si -= x[t] * sin(ang);
        }
        re[k] = sr;
        im[k] = si;
    }
}

void hann_window(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)(n - 1));
}
