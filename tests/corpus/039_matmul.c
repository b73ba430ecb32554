/* Matrix multiply variants: naive, blocked, float/double, transposed B. */
#include <stddef.h>
#include <string.h>

#define DIM 32
float mm_a[DIM][DIM], mm_b[DIM][DIM], mm_c[DIM][DIM];
static double blk_tmp[DIM * DIM];

void matmul_fixed(void)
{
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++)
            mm_c[i][j] = 0;
    for (int i = 0; i < DIM; i++)
        for (int k = 0; k < DIM; k++) {
            float a = mm_a[i][k];
            for (int j = 0; j < DIM; j++)
                mm_c[i][j] += a * mm_b[k][j];
        }
}

void matmul_d(double *restrict c, const double *restrict a,
              const double *restrict b, int n, int m, int p)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < p; j++)
            c[i * p + j] = 0;
        for (int k = 0; k < m; k++) {
            double aik = a[i * m + k];
            for (int j = 0; j < p; j++)
                c[i * p + j] += aik * b[k * p + j];
        }
    }
}

static inline int imin(int a, int b) { return a < b ? a : b; }

void matmul_blocked(double *restrict c, const double *restrict a,
                    const double *restrict b, int n)
{
    const int bs = 8;
    memset(c, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int ii = 0; ii < n; ii += bs)
        for (int kk = 0; kk < n; kk += bs)
            for (int jj = 0; jj < n; jj += bs)
                for (int i = ii; i < imin(ii + bs, n); i++)
                    for (int k = kk; k < imin(kk + bs, n); k++) {
                        double aik = a[i * n + k];
                        for (int j = jj; j < imin(jj + bs, n); j++)
                            c[i * n + j] += aik * b[k * n + j];
                    }
}

double matmul_bt_trace(const double *a, const double *bt, int n)
{
    double tr = 0;
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < n; k++)
            s += a[i * n + k] * bt[i * n + k];
        tr += s;
    }
    return tr;
}

void matvec(float *restrict y, const float *restrict m, const float *restrict x,
            int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        float s = 0;
        for (int c = 0; c < cols; c++)
            s += m[r * cols + c] * x[c];
        y[r] = s;
    }
}

double *scratch_identity(void)
{
    for (int i = 0; i < DIM * DIM; i++)
        blk_tmp[i] = (i % (DIM + 1)) == 0;
    return blk_tmp;
}

__attribute__((target("avx512f,prefer-vector-width=512")))
void matmul_d_avx512(double *restrict c, const double *restrict a,
                     const double *restrict b, int n)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            c[i * n + j] = 0;
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
    }
}
