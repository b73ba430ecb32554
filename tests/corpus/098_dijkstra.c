/* Graph algorithms on adjacency matrices: Dijkstra, BFS, Floyd-Warshall. */
#include <stdint.h>
#include <limits.h>
#include <string.h>

#define GN 32
int graph_w[GN][GN];
static int dist_fw[GN][GN];
static const int INF = INT_MAX / 4;

void dijkstra(int src, int *dist)
{
    uint8_t done[GN] = { 0 };
    for (int i = 0; i < GN; i++)
        dist[i] = INF;
    dist[src] = 0;
    for (int it = 0; it < GN; it++) {
        int u = -1;
        for (int i = 0; i < GN; i++)
            if (!done[i] && (u < 0 || dist[i] < dist[u]))
                u = i;
        if (u < 0 || dist[u] >= INF)
            break;
        done[u] = 1;
        for (int v = 0; v < GN; v++)
            if (graph_w[u][v] > 0 && dist[u] + graph_w[u][v] < dist[v])
                dist[v] = dist[u] + graph_w[u][v];
    }
}

int bfs_levels(int src, int *level)
{
    int queue[GN], qh = 0, qt = 0, reached = 0;
    for (int i = 0; i < GN; i++)
        level[i] = -1;
    level[src] = 0;
    queue[qt++] = src;
    while (qh < qt) {
        int u = queue[qh++];
        reached++;
        for (int v = 0; v < GN; v++)
            if (graph_w[u][v] && level[v] < 0) {
                level[v] = level[u] + 1;
                queue[qt++] = v;
            }
    }
    return reached;
}

void floyd_warshall(void)
{
    for (int i = 0; i < GN; i++)
        for (int j = 0; j < GN; j++)
            dist_fw[i][j] = i == j ? 0 : graph_w[i][j] > 0 ? graph_w[i][j] : INF;
    for (int k = 0; k < GN; k++)
        for (int i = 0; i < GN; i++)
            for (int j = 0; j < GN; j++) {
                int d = dist_fw[i][k] + dist_fw[k][j];
                if (d < dist_fw[i][j])
                    dist_fw[i][j] = d;
            }
}

int fw_distance(int a, int b)
{
    return dist_fw[a % GN][b % GN];
}

void graph_clear(void)
{
    memset(graph_w, 0, sizeof graph_w);
}

void graph_ring(int w)
{
    graph_clear();
    for (int i = 0; i < GN; i++)
        graph_w[i][(i + 1) % GN] = graph_w[(i + 1) % GN][i] = w;
}

static int degree(int u)
{
    int d = 0;
    for (int v = 0; v < GN; v++)
        d += graph_w[u][v] != 0;
    return d;
}

int max_degree(void)
{
    int m = 0;
    for (int u = 0; u < GN; u++)
        m = degree(u) > m ? degree(u) : m;
    return m;
}
