/* Nested loops: stencils, triangular iteration, loop interchange candidates. */
#include <stddef.h>

#define N 64
double grid_a[N][N], grid_b[N][N];
static int tri[N][N];

void jacobi_step(void)
{
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            grid_b[i][j] = 0.25 * (grid_a[i - 1][j] + grid_a[i + 1][j] +
                                   grid_a[i][j - 1] + grid_a[i][j + 1]);
}

void transpose_n(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            grid_b[j][i] = grid_a[i][j];
}

long triangular_sum(void)
{
    long s = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j <= i; j++)
            s += tri[i][j];
    return s;
}

void fill_triangle(int seed)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            tri[i][j] = j <= i ? (i * seed + j) & 0xff : 0;
}

int count_pairs(const int *a, int n, int target)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (a[i] + a[j] == target)
                c++;
    return c;
}

void conv2d_3x3(float *restrict out, const float *restrict in, int w, int h,
                const float k[9])
{
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            float s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    s += in[(y + dy) * w + (x + dx)] * k[(dy + 1) * 3 + (dx + 1)];
            out[y * w + x] = s;
        }
}

int find_in_matrix(const int *m, int rows, int cols, int v, int *r, int *c)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            if (m[i * cols + j] == v) {
                *r = i;
                *c = j;
                return 1;
            }
    return 0;
}

static double grid_norm(double g[N][N])
{
    double s = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            s += g[i][j] * g[i][j];
    return s;
}

double grid_delta(void)
{
    return grid_norm(grid_b) - grid_norm(grid_a);
}
