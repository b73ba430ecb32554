/* qsort/bsearch comparators over ints, doubles, strings and structs. */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

struct person { char name[24]; int age; double score; };

struct person people[] = {
    { "alice", 31, 88.5 }, { "bob", 25, 92.0 }, { "carol", 47, 75.25 },
    { "dave", 25, 60.0 }, { "eve", 39, 99.9 },
};
static int cmp_calls;

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    cmp_calls++;
    return (x > y) - (x < y);
}

static int cmp_double_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_person(const void *a, const void *b)
{
    const struct person *p = a, *q = b;
    if (p->age != q->age)
        return p->age - q->age;
    return strcmp(p->name, q->name);
}

void sort_ints(int *v, size_t n) { qsort(v, n, sizeof *v, cmp_int); }
void sort_doubles_desc(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double_desc); }
void sort_strings(const char **v, size_t n) { qsort(v, n, sizeof *v, cmp_str); }

void sort_people(void)
{
    qsort(people, sizeof people / sizeof people[0], sizeof people[0], cmp_person);
}

int *find_int(int *sorted, size_t n, int key)
{
    return bsearch(&key, sorted, n, sizeof *sorted, cmp_int);
}

int comparator_calls(void) { return cmp_calls; }

const char *oldest(void)
{
    const struct person *best = &people[0];
    for (size_t i = 1; i < sizeof people / sizeof people[0]; i++)
        if (people[i].age > best->age)
            best = &people[i];
    return best->name;
}
