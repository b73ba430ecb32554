/* Compressed sparse row (CSR) matrix ops: SpMV, transpose-count, norms. */
#include <stddef.h>
#include <stdlib.h>
#include <math.h>

struct csr { int rows, cols; const int *rowptr; const int *colidx; const double *val; };

static const int demo_rowptr[5] = { 0, 2, 3, 5, 6 };
static const int demo_col[6] = { 0, 3, 1, 0, 2, 3 };
static const double demo_val[6] = { 4.0, -1.0, 3.0, -2.0, 5.0, 1.5 };
const struct csr demo_matrix = { 4, 4, demo_rowptr, demo_col, demo_val };
double spmv_flops;

void spmv(const struct csr *a, const double *restrict x, double *restrict y)
{
    for (int r = 0; r < a->rows; r++) {
        double s = 0;
        for (int k = a->rowptr[r]; k < a->rowptr[r + 1]; k++)
            s += a->val[k] * x[a->colidx[k]];
        y[r] = s;
    }
    spmv_flops += 2.0 * a->rowptr[a->rows];
}

void col_counts(const struct csr *a, int *counts)
{
    for (int c = 0; c < a->cols; c++)
        counts[c] = 0;
    for (int k = 0; k < a->rowptr[a->rows]; k++)
        counts[a->colidx[k]]++;
}

double frobenius(const struct csr *a)
{
    double s = 0;
    int nnz = a->rowptr[a->rows];
    for (int k = 0; k < nnz; k++)
        s += a->val[k] * a->val[k];
    return sqrt(s);
}

static double row_dot(const struct csr *a, int r, const double *x)
{
    double s = 0;
    for (int k = a->rowptr[r]; k < a->rowptr[r + 1]; k++)
        s += a->val[k] * x[a->colidx[k]];
    return s;
}

int jacobi_iterate(const struct csr *a, const double *b, double *x, double *tmp, int iters)
{
    for (int it = 0; it < iters; it++) {
        for (int r = 0; r < a->rows; r++) {
            double diag = 0;
            for (int k = a->rowptr[r]; k < a->rowptr[r + 1]; k++)
                if (a->colidx[k] == r)
                    diag = a->val[k];
            if (diag == 0)
                return -1;
            tmp[r] = x[r] + (b[r] - row_dot(a, r, x)) / diag;
        }
        for (int r = 0; r < a->rows; r++)
            x[r] = tmp[r];
    }
    return 0;
}

double demo_spmv_sum(void)
{
    double x[4] = { 1, 2, 3, 4 }, y[4];
    spmv(&demo_matrix, x, y);
    return y[0] + y[1] + y[2] + y[3];
}
