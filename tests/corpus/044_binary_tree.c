/* Binary search tree: insert, lookup, traversal, height, free. */
#include <stdlib.h>
#include <stddef.h>

struct tnode {
    struct tnode *left, *right;
    int key;
    int count;
};

struct tnode *tree_root;
static long tree_nodes;

static struct tnode *new_node(int key)
{
    struct tnode *n = calloc(1, sizeof *n);
    if (n) {
        n->key = key;
        n->count = 1;
        tree_nodes++;
    }
    return n;
}

struct tnode *tree_insert(struct tnode *t, int key)
{
    if (!t)
        return new_node(key);
    if (key < t->key)
        t->left = tree_insert(t->left, key);
    else if (key > t->key)
        t->right = tree_insert(t->right, key);
    else
        t->count++;
    return t;
}

const struct tnode *tree_find(const struct tnode *t, int key)
{
    while (t && t->key != key)
        t = key < t->key ? t->left : t->right;
    return t;
}

int tree_height(const struct tnode *t)
{
    if (!t)
        return 0;
    int l = tree_height(t->left), r = tree_height(t->right);
    return 1 + (l > r ? l : r);
}

void tree_inorder(const struct tnode *t, void (*visit)(int key, void *ctx), void *ctx)
{
    while (t) {
        tree_inorder(t->left, visit, ctx);
        visit(t->key, ctx);
        t = t->right;
    }
}

void tree_free(struct tnode *t)
{
    if (!t)
        return;
    tree_free(t->left);
    tree_free(t->right);
    free(t);
    tree_nodes--;
}

int tree_min(const struct tnode *t)
{
    while (t->left)
        t = t->left;
    return t->key;
}

long tree_sum(const struct tnode *t)
{
    return t ? (long)t->key * t->count + tree_sum(t->left) + tree_sum(t->right) : 0;
}

void tree_add_global(int key)
{
    tree_root = tree_insert(tree_root, key);
}

long tree_node_count(void) { return tree_nodes; }
