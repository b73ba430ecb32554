/* Calls into libm (sin/cos/exp/log/pow/atan2), builtins that inline
   (sqrt, fabs, floor with SSE4.1), and fast-math-free patterns. */
#include <math.h>
#include <stddef.h>

double math_last;
static const double deg2rad = 0.017453292519943295;

double haversine(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = (lat2 - lat1) * deg2rad, dlon = (lon2 - lon1) * deg2rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * deg2rad) * cos(lat2 * deg2rad) * sin(dlon / 2) * sin(dlon / 2);
    return 6371.0 * 2 * atan2(sqrt(a), sqrt(1 - a));
}

double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

float softplus_f(float x)
{
    return x > 20.0f ? x : log1pf(expf(x));
}

double floor_sum(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += floor(v[i]) + ceil(v[i] * 0.5);
    return s;
}

void normalize3(double v[3])
{
    double l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (l > 0) {
        v[0] /= l;
        v[1] /= l;
        v[2] /= l;
    }
}

double gamma_ratio(double a, double b)
{
    return exp(lgamma(a) - lgamma(b));
}

static double poly_eval(const double *c, int n, double x)
{
    double r = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        r = fma(r, x, c[i]);
    return r;
}

double cheb_approx(double x)
{
    static const double c[6] = { 1.0, -0.5, 0.125, -0.0208333, 0.0026041, -0.00026 };
    math_last = poly_eval(c, 6, x);
    return math_last;
}

double hypot_sum(const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += hypot(x[i], y[i]);
    return s;
}

long round_to_long(double x) { return lround(x); }
double power_of(double b, double e) { return pow(b, e); }
float fmod_f(float a, float b) { return fmodf(a, b); }
