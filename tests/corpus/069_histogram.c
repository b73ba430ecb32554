/* Histograms and statistics: scatter increments, percentiles, binning. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#define NBINS 64
uint32_t hist_bins[NBINS];
static double hist_lo = 0.0, hist_hi = 1.0;
static uint64_t hist_total, hist_outliers;

void hist_configure(double lo, double hi)
{
    hist_lo = lo;
    hist_hi = hi > lo ? hi : lo + 1.0;
    for (int i = 0; i < NBINS; i++)
        hist_bins[i] = 0;
    hist_total = hist_outliers = 0;
}

void hist_add(const double *v, size_t n)
{
    double scale = NBINS / (hist_hi - hist_lo);
    for (size_t i = 0; i < n; i++) {
        double x = (v[i] - hist_lo) * scale;
        if (x < 0 || x >= NBINS || isnan(x)) {
            hist_outliers++;
            continue;
        }
        hist_bins[(int)x]++;
        hist_total++;
    }
}

double hist_percentile(double p)
{
    uint64_t target = (uint64_t)(p * (double)hist_total), acc = 0;
    for (int i = 0; i < NBINS; i++) {
        acc += hist_bins[i];
        if (acc > target)
            return hist_lo + (i + 0.5) * (hist_hi - hist_lo) / NBINS;
    }
    return hist_hi;
}

void byte_histogram(uint32_t counts[256], const uint8_t *p, size_t n)
{
    uint32_t c0[256] = { 0 }, c1[256] = { 0 };
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        c0[p[i]]++;
        c1[p[i + 1]]++;
    }
    if (i < n)
        c0[p[i]]++;
    for (int k = 0; k < 256; k++)
        counts[k] = c0[k] + c1[k];
}

double shannon_entropy(const uint32_t counts[256])
{
    uint64_t total = 0;
    for (int i = 0; i < 256; i++)
        total += counts[i];
    if (!total)
        return 0;
    double h = 0;
    for (int i = 0; i < 256; i++) {
        if (!counts[i])
            continue;
        double p = (double)counts[i] / (double)total;
        h -= p * log2(p);
    }
    return h;
}

int hist_mode(void)
{
    int best = 0;
    for (int i = 1; i < NBINS; i++)
        if (hist_bins[i] > hist_bins[best])
            best = i;
    return best;
}

uint64_t hist_outlier_count(void) { return hist_outliers; }

static double bin_center(int i)
{
    return hist_lo + (i + 0.5) * (hist_hi - hist_lo) / NBINS;
}

double hist_mean(void)
{
    double s = 0;
    for (int i = 0; i < NBINS; i++)
        s += bin_center(i) * hist_bins[i];
    return hist_total ? s / (double)hist_total : 0.0;
}
