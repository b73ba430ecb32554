/* goto-based cleanup and multiple exits, as in kernel/library C code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct resource { char *buf; FILE *f; int *table; };
int cleanup_runs;

static int read_header(FILE *f, char *buf, size_t n)
{
    return fgets(buf, (int)n, f) ? 0 : -1;
}

int load_resource(struct resource *r, const char *path, size_t n)
{
    int err = -1;
    memset(r, 0, sizeof *r);
    r->buf = malloc(n);
    if (!r->buf)
        goto fail;
    r->table = calloc(n, sizeof *r->table);
    if (!r->table)
        goto fail_buf;
    r->f = fopen(path, "rb");
    if (!r->f)
        goto fail_table;
    if (read_header(r->f, r->buf, n))
        goto fail_file;
    return 0;

fail_file:
    fclose(r->f);
    r->f = NULL;
fail_table:
    free(r->table);
    r->table = NULL;
fail_buf:
    free(r->buf);
    r->buf = NULL;
fail:
    cleanup_runs++;
    return err;
}

void release_resource(struct resource *r)
{
    if (r->f)
        fclose(r->f);
    free(r->table);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int copy_file(const char *src, const char *dst)
{
    char buf[4096];
    int rc = -1;
    FILE *in = fopen(src, "rb"), *out = NULL;
    if (!in)
        goto out;
    out = fopen(dst, "wb");
    if (!out)
        goto close_in;
    for (;;) {
        size_t n = fread(buf, 1, sizeof buf, in);
        if (n == 0)
            break;
        if (fwrite(buf, 1, n, out) != n)
            goto close_out;
    }
    rc = ferror(in) ? -1 : 0;
close_out:
    if (fclose(out))
        rc = -1;
close_in:
    fclose(in);
out:
    return rc;
}

int retry_loop(int (*op)(void *), void *ctx, int attempts)
{
    int r;
    int i = 0;
again:
    r = op(ctx);
    if (r < 0 && ++i < attempts)
        goto again;
    return r;
}
