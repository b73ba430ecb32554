/* Character trie with static node pool: insert, lookup, prefix count. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TRIE_MAX_NODES 4096
struct trie_node { int32_t child[26]; uint32_t count; uint8_t terminal; };

static struct trie_node trie_pool[TRIE_MAX_NODES];
static int trie_used = 1;
unsigned trie_overflows;

static int trie_child(int node, int c, int create)
{
    int32_t *slot = &trie_pool[node].child[c];
    if (*slot || !create)
        return *slot;
    if (trie_used >= TRIE_MAX_NODES) {
        trie_overflows++;
        return 0;
    }
    *slot = trie_used++;
    return *slot;
}

int trie_insert(const char *w)
{
    int n = 0;
    for (; *w; w++) {
        int c = (*w | 32) - 'a';
        if (c < 0 || c >= 26)
            return -1;
        n = trie_child(n, c, 1);
        if (!n)
            return -1;
        trie_pool[n].count++;
    }
    trie_pool[n].terminal = 1;
    return 0;
}

int trie_contains(const char *w)
{
    int n = 0;
    for (; *w; w++) {
        int c = (*w | 32) - 'a';
        if (c < 0 || c >= 26 || !(n = trie_child(n, c, 0)))
            return 0;
    }
    return trie_pool[n].terminal;
}

unsigned trie_prefix_count(const char *p)
{
    int n = 0;
    for (; *p; p++) {
        int c = (*p | 32) - 'a';
        if (c < 0 || c >= 26 || !(n = trie_child(n, c, 0)))
            return 0;
    }
    return n ? trie_pool[n].count : 0;
}

void trie_clear(void)
{
    memset(trie_pool, 0, sizeof trie_pool);
    trie_used = 1;
}

int trie_nodes_used(void) { return trie_used; }
