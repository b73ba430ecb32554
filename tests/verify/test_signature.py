"""Signatures read from DWARF, and declarations that a separately compiled harness calls through."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from llmcc.errors import ToolError
from llmcc.verify import signature
from llmcc.verify.signature import (
    CType,
    Signature,
    SignatureError,
    c_declarations,
    c_prototype,
    debug_twin_flags,
    signature_of,
)

GCC = "gcc"
FLAGS = ("-O2",)


def sig_of(tmp_path: Path, code: str, function: str, flags: tuple[str, ...] = FLAGS) -> Signature:
    src = tmp_path / "unit.c"
    src.write_text(code)
    return signature_of(str(src), function, GCC, flags)


def param_types(sig: Signature) -> dict[str, CType]:
    return {p.name: p.ctype for p in sig.params}


# ---------------------------------------------------------------------------------------------
# What the signature says


def test_ints_of_every_width_and_signedness(tmp_path):
    sig = sig_of(tmp_path, """
        long f(signed char a, unsigned char b, short c, unsigned short d, int e, unsigned f,
               long g, unsigned long h, long long i, unsigned long long j, _Bool k, char l)
        { return a + b + c + d + e + f + g + h + i + j + k + l; }""", "f")
    got = [(p.name, p.ctype.kind, p.ctype.size, p.ctype.signed) for p in sig.params]
    assert got == [("a", "int", 1, True), ("b", "int", 1, False), ("c", "int", 2, True),
                   ("d", "int", 2, False), ("e", "int", 4, True), ("f", "int", 4, False),
                   ("g", "int", 8, True), ("h", "int", 8, False), ("i", "int", 8, True),
                   ("j", "int", 8, False), ("k", "bool", 1, False), ("l", "int", 1, True)]
    assert sig.return_type.kind == "int" and sig.return_type.base_name == "long int"
    assert sig.testable and sig.untestable_reason == ""
    assert not sig.variadic and sig.name == "f" and sig.source_file.endswith("unit.c")


def test_char_like_ints_include_byte_typedefs(tmp_path):
    sig = sig_of(tmp_path, """
        #include <stdint.h>
        int f(char a, signed char b, unsigned char c, uint8_t d, int8_t e, short g, int32_t h)
        { return a + b + c + d + e + g + h; }""", "f")
    t = param_types(sig)
    assert [t[n].is_char for n in "abcdegh"] == [True] * 5 + [False] * 2
    assert (t["d"].name, t["d"].base_name, t["d"].signed) == ("uint8_t", "unsigned char", False)
    assert (t["e"].name, t["e"].base_name) == ("int8_t", "signed char")
    assert (t["a"].name, t["a"].base_name) == ("", "char")


def test_floats_long_double_complex_and_int128_are_testable(tmp_path):
    sig = sig_of(tmp_path, """
        double f(float a, double b, long double c, _Complex double z, __int128 i,
                 unsigned __int128 u) { return a + b + c + __real__ z + i + u; }""", "f")
    t = param_types(sig)
    assert [(t[n].kind, t[n].size) for n in "abc"] == [("float", 4), ("float", 8), ("float", 16)]
    assert t["c"].base_name == "long double" and t["c"].align == 16
    assert (t["z"].kind, t["z"].size, t["z"].base_name) == ("float", 16, "_Complex double")
    assert (t["i"].base_name, t["i"].signed) == ("__int128", True)
    assert (t["u"].base_name, t["u"].signed) == ("unsigned __int128", False)
    assert sig.testable


def test_pointer_qualifiers_and_levels(tmp_path):
    sig = sig_of(tmp_path, """
        void f(const int *a, int *restrict b, int **c, void *d, const void *e,
               char *const *volatile g) { (void)a; (void)b; (void)c; (void)d; (void)e; (void)g; }
        """, "f")
    t = param_types(sig)
    assert t["a"].kind == "pointer" and t["a"].target.const and not t["a"].const
    assert t["b"].restrict and not t["b"].target.const
    assert t["c"].target.kind == "pointer" and t["c"].target.target.kind == "int"
    assert t["d"].target.kind == "void" and not t["d"].target.const
    assert t["e"].target.kind == "void" and t["e"].target.const
    assert t["g"].volatile and t["g"].target.const and t["g"].target.target.is_char
    assert c_prototype(sig, "sym") == (
        "void sym(const int *a, int *restrict b, int **c, void *d, const void *e, "
        "char *const *volatile g);")
    assert sig.return_type.kind == "void"


def test_array_parameters_decay_and_keep_element_type(tmp_path):
    sig = sig_of(tmp_path, """
        int f(int a[10], double m[][4], const char names[3][8])
        { return a[0] + (int)m[0][0] + names[0][0]; }""", "f")
    t = param_types(sig)
    assert t["a"].kind == "pointer" and t["a"].target.kind == "int"
    assert t["m"].target.kind == "array" and t["m"].target.count == 4
    assert t["m"].target.target.base_name == "double" and t["m"].target.size == 32
    assert t["names"].target.target.const
    assert c_prototype(sig, "g") == (
        "int g(int *a, double (*m)[4], const char (*names)[8]);")


def test_struct_members_nested_and_arrays(tmp_path):
    sig = sig_of(tmp_path, """
        struct inner { short s; char c; };
        struct outer { struct inner in[2]; float f; long m[2][3]; };
        float f(struct outer o) { return o.f; }""", "f")
    o = sig.params[0].ctype
    assert (o.kind, o.size, o.align, o.tag, o.name) == ("struct", 64, 8, "outer", "outer")
    assert [(m.name, m.offset) for m in o.fields] == [("in", 0), ("f", 8), ("m", 16)]
    arr = o.fields[0].ctype
    assert (arr.kind, arr.count, arr.size, arr.target.tag) == ("array", 2, 8, "inner")
    assert [m.name for m in arr.target.fields] == ["s", "c"]
    m = o.fields[2].ctype
    assert (m.count, m.target.count, m.target.target.size) == (2, 3, 8)


def test_bitfields_packed_and_aligned_layouts(tmp_path):
    sig = sig_of(tmp_path, """
        struct bits { unsigned a : 3; int : 0; int b : 5; unsigned long c : 40; };
        struct __attribute__((packed)) pk { char c; int i; };
        struct al { char c; int x __attribute__((aligned(16))); };
        int f(struct bits b, struct pk p, struct al a) { return b.a + p.i + a.x; }""", "f")
    t = param_types(sig)
    bits = [(m.name, m.bit_size, m.bit_offset, m.offset) for m in t["b"].fields]
    assert bits == [("a", 3, 0, 0), ("b", 5, 32, 4), ("c", 40, 64, 8)]
    assert (t["p"].size, t["p"].align, t["p"].fields[1].offset) == (5, 1, 1)
    assert (t["a"].size, t["a"].align, t["a"].fields[1].align) == (32, 16, 16)


def test_enum_and_typedef_names(tmp_path):
    sig = sig_of(tmp_path, """
        enum color { RED, GREEN = 5, BLUE = -2 };
        typedef enum { OFF, ON } mode_t2;
        typedef struct { int x, y; } point_t;
        typedef unsigned long ulong;
        int f(enum color c, mode_t2 m, point_t p, ulong n) { return c + m + p.x + (int)n; }""",
                 "f")
    t = param_types(sig)
    assert (t["c"].kind, t["c"].size, t["c"].signed, t["c"].tag) == ("enum", 4, True, "color")
    assert t["c"].enumerators == (("RED", 0), ("GREEN", 5), ("BLUE", -2))
    assert (t["m"].name, t["m"].tag, t["m"].signed) == ("mode_t2", "", False)
    assert (t["p"].kind, t["p"].name, t["p"].tag) == ("struct", "point_t", "")
    assert (t["n"].name, t["n"].base_name) == ("ulong", "long unsigned int")
    decls = c_declarations(sig)
    assert "typedef long unsigned int llmcc_t_ulong;" in decls
    assert "llmcc_e_color_BLUE = -2" in decls
    assert c_prototype(sig, "f") == ("int f(enum llmcc_t_color c, enum llmcc_t_mode_t2 m, "
                                     "struct llmcc_t_point_t p, llmcc_t_ulong n);")


def test_standard_typedefs_keep_their_names(tmp_path):
    sig = sig_of(tmp_path, """
        #include <stdint.h>
        #include <stddef.h>
        int64_t f(const uint32_t *p, size_t n) { return p[n]; }""", "f")
    assert c_prototype(sig, "f") == "int64_t f(const uint32_t *p, size_t n);"
    decls = c_declarations(sig)
    assert "#include <stdint.h>" in decls and "#include <stddef.h>" in decls


def test_self_referential_struct_and_deep_pointers(tmp_path):
    sig = sig_of(tmp_path, """
        struct node { struct node *next; int v; };
        int f(const struct node *n) { return n->v; }""", "f")
    node = sig.params[0].ctype.target
    assert node.fields[0].ctype.target.uid == node.uid
    # Two pointers deep the struct is still described, three deep it is a stub.
    second = node.fields[0].ctype.target
    assert second.fields is not None
    assert second.fields[0].ctype.target.fields is None
    assert (second.fields[0].ctype.target.size, second.fields[0].ctype.target.align) == (16, 8)
    assert c_declarations(sig).count("struct llmcc_t_node {") == 1


def test_static_function(tmp_path):
    sig = sig_of(tmp_path, """
        static int __attribute__((noipa)) twice(int x, const char *why)
        { return 2 * x + why[0]; }
        int use(int y) { return twice(y, "a") + twice(y + 1, "b"); }""", "twice")
    assert [p.name for p in sig.params] == ["x", "why"] and sig.testable


def test_function_inlined_into_callers_but_still_emitted(tmp_path):
    # sq is inlined into caller, and its out-of-line copy only points at an abstract DIE.
    sig = sig_of(tmp_path, """
        int sq(int x, int unused) { return x * x; }
        int caller(int y) { return sq(y, 0) + sq(y + 1, 0); }""", "sq", ("-O3",))
    assert [(p.name, p.ctype.base_name) for p in sig.params] == [("x", "int"), ("unused", "int")]
    assert sig.return_type.base_name == "int"


def test_hot_cold_split_function(tmp_path):
    sig = sig_of(tmp_path, """
        #include <stdlib.h>
        long f(const long *p, int n) {
            if (__builtin_expect(p == 0, 0)) abort();
            long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s;
        }""", "f", ("-O3",))
    assert [p.name for p in sig.params] == ["p", "n"]


def test_dwarf4_bitfields_and_members_read_the_same(tmp_path, monkeypatch):
    code = """
        struct bits { unsigned a : 3; int : 0; int b : 5; unsigned long c : 40; char d; };
        int f(struct bits b) { return b.a + b.b + b.d; }"""
    dwarf5 = sig_of(tmp_path, code, "f")
    monkeypatch.setattr(signature, "DEBUG_FLAGS", ("-gdwarf-4",))
    dwarf4 = sig_of(tmp_path, code, "f")
    strip = [dataclasses.replace(f, ctype=None) for f in dwarf4.params[0].ctype.fields]
    assert strip == [dataclasses.replace(f, ctype=None) for f in dwarf5.params[0].ctype.fields]
    assert [f.bit_offset for f in strip] == [0, 32, 64, None]


def test_short_enums_are_declared_packed(tmp_path):
    sig = sig_of(tmp_path, "enum e { A, B = 300 };\nint f(enum e x) { return x; }", "f",
                 ("-O2", "-fshort-enums"))
    assert sig.params[0].ctype.size == 2
    decls = tmp_path / "decls.c"
    decls.write_text(c_declarations(sig) + c_prototype(sig, "f") + "\n")
    subprocess.run([GCC, "-fsyntax-only", "-Wall", "-Werror", str(decls)], check=True)


def test_alias_takes_the_signature_of_its_target(tmp_path):
    sig = sig_of(tmp_path, """
        int real_impl(const char *s, int n) { return s[n]; }
        int alias_impl(const char *s, int n) __attribute__((alias("real_impl")));""",
                 "alias_impl")
    assert [p.name for p in sig.params] == ["s", "n"]


def test_thread_local_variables_do_not_stop_the_reader(tmp_path):
    # Their DWARF locations carry TLS relocations that pyelftools cannot apply.
    sig = sig_of(tmp_path, "__thread int tv;\nint f(int x) { return x + tv; }", "f")
    assert sig.params[0].name == "x"


def test_prototype_declarators_and_reserved_names(tmp_path):
    sig = sig_of(tmp_path, """
        static int rows[2][4];
        int (*f(int I, long errno))[4] { return rows + I + errno; }""", "f")
    assert c_prototype(sig, "g") == "int (*g(int llmcc_p_0, long int llmcc_p_1))[4];"


# ---------------------------------------------------------------------------------------------
# What cannot be tested, and why


@pytest.mark.parametrize(("code", "reason"), [
    ("int f(int (*cmp)(const void *, const void *)) { return cmp(0, 0); }",
     "takes a function pointer (parameter 'cmp')"),
    ("struct ops { int n; void (*cb)(void); };\n"
     "int f(struct ops o) { return o.n; }",
     "takes a function pointer (member 'cb' of parameter 'o')"),
    ("typedef void (*fn)(void);\nint f(fn *table) { return table != 0; }",
     "takes a function pointer (parameter 'table')"),
    ("int g(int x) { return x; }\nint (*f(void))(int) { return g; }",
     "returns a function pointer"),
    ("int f(int n, ...) { return n; }", "is variadic (takes '...')"),
    ("#include <stdarg.h>\nint f(va_list ap) { return va_arg(ap, int); }",
     "takes a va_list (parameter 'ap')"),
    ("union u { int i; float f; };\nint f(union u x) { return x.i; }",
     "takes a union by value (parameter 'x')"),
    ("union u { int i; float f; };\nunion u f(int i) { union u r; r.i = i; return r; }",
     "returns a union by value"),
    ("struct opaque;\nint f(struct opaque *h) { return h != 0; }",
     "takes a pointer to the incomplete type 'struct opaque' (parameter 'h')"),
    ("typedef int v4 __attribute__((vector_size(16)));\nint f(v4 x) { return x[0]; }",
     "takes a value of type vector, which llmcc cannot model (parameter 'x')"),
    ("int f(a, b) float a; int b; { return a + b; }",
     "is an old-style definition with a float parameter 'a' (callers promote it to double)"),
])
def test_untestable_signatures_say_why(tmp_path, code, reason):
    sig = sig_of(tmp_path, code, "f")
    assert not sig.testable
    assert sig.untestable_reason == reason


def test_union_and_opaque_members_behind_pointers_are_testable(tmp_path):
    sig = sig_of(tmp_path, """
        struct priv;
        union u { int i; float f; };
        struct h { struct priv *p; union u v; };
        int f(union u *x, struct h *y) { return x->i + y->v.i; }""", "f")
    assert sig.testable
    assert not sig.params[1].ctype.target.fields[0].ctype.target.complete


# ---------------------------------------------------------------------------------------------
# Errors and flags


def test_unknown_function_lists_what_exists(tmp_path):
    with pytest.raises(SignatureError, match=r"no function 'nope' in .*unit.c; it defines: a, b"):
        sig_of(tmp_path, "int a(void) { return 1; }\nint b(int x) { return x; }", "nope")


def test_function_inlined_everywhere_and_removed(tmp_path):
    with pytest.raises(SignatureError, match="gcc emits no code for 'h'"):
        sig_of(tmp_path, "static int h(int x) { return x * 3; }\n"
                         "int caller(int y) { return h(y) + h(y + 1); }", "h")


def test_function_emitted_only_as_a_clone(tmp_path):
    with pytest.raises(SignatureError, match=r"only as specialized copies \(k\.constprop\.0\)"):
        sig_of(tmp_path, "static int __attribute__((noinline)) k(int a, int b) "
                         "{ return a * b + a / b; }\n"
                         "int use(int x) { return k(x, 3) + k(x + 1, 3); }", "k", ("-O3",))


def test_missing_source(tmp_path):
    with pytest.raises(SignatureError, match="does not exist"):
        signature_of(str(tmp_path / "absent.c"), "f", GCC, FLAGS)


def test_compile_failure_reports_the_first_error(tmp_path):
    with pytest.raises(ToolError, match=r"unit\.c:1:.*error: .*undeclared"):
        sig_of(tmp_path, "int f(void) { return missing; }\n", "f")


def test_debug_twin_flags_drop_output_debug_dependency_and_lto_options():
    flags = ("-O3", "-g3", "-gdwarf-4", "-o", "x.o", "-c", "-MD", "-MF", "x.d", "-MTx",
             "-flto=auto", "-save-temps=obj", "-march=haswell", "-Iinc", "-DX=1", "-S", "-ox.s")
    assert debug_twin_flags(flags) == ["-O3", "-march=haswell", "-Iinc", "-DX=1"]


def test_user_flags_are_honoured_and_outputs_stay_private(tmp_path, monkeypatch):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "w.h").write_text("typedef WIDTH wide_t;\n")
    monkeypatch.chdir(tmp_path)
    flags = ("-O3", "-march=haswell", "-Iinc", "-DWIDTH=long", "-MD", "-MF", "dep.d",
             "-o", "out.o", "-g0")
    sig = sig_of(tmp_path, '#include "w.h"\nwide_t f(wide_t x) { return x + 1; }', "f", flags)
    assert sig.return_type.base_name == "long int" and sig.return_type.name == "wide_t"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inc", "unit.c"]


# ---------------------------------------------------------------------------------------------
# The crucial property: a separately compiled harness calls the function with the same ABI.
#
# Each case's BODY runs twice: in the original translation unit (expected_<name>, with the
# original types) and in a harness built only from c_declarations + c_prototype. The macros
# spell type names for either side, so the one text serves both.

ORIGINAL_PRELUDE = r"""
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>
#define S(x) struct x
#define U(x) union x
#define E(x) enum x
#define TD(x) x
#define ST(x) x
#define K(t, c) c
"""

HARNESS_PRELUDE = r"""
#include <stdio.h>
#include <string.h>
#define S(x) struct llmcc_t_##x
#define U(x) union llmcc_t_##x
#define E(x) enum llmcc_t_##x
#define TD(x) struct llmcc_t_##x
#define ST(x) llmcc_t_##x
#define K(t, c) llmcc_e_##t##_##c
"""

ORIGINAL = r"""
long ints(signed char a, unsigned char b, short c, unsigned short d, int e, unsigned f,
          long g, unsigned long h, long long i, unsigned long long j, _Bool k, char l)
{ return a * 3 + b * 5 + c * 7 + d * 11 + e * 13 + (long)f * 17 + g * 19 + (long)h * 23
         + i * 29 + (long)j * 31 + k * 37 + l; }
signed char neg_char(signed char x, unsigned short y) { return (signed char)(-x + y); }
_Bool is_odd(unsigned long x) { return x & 1; }
double floats(float a, double b, long double c, float d) { return a * 2 + b + (double)c / 3 + d; }
long double ld_scale(long double a, int b, long double c) { return a * b + c; }
__int128 wide(__int128 a, unsigned __int128 b, int c) { return a * c + (__int128)(b >> 3); }
_Complex double cmul(_Complex double z, _Complex float w) { return z * w; }

struct pair { int a, b; };
struct pair swap_pair(struct pair p) { struct pair r = { p.b, p.a + 1 }; return r; }
struct mixed { double d; int i; };
struct mixed scale_mixed(struct mixed m, double k)
{ struct mixed r = { m.d * k, m.i * 3 }; return r; }
struct big { long a[3]; char tag; };
struct big big_sum(struct big x, struct big y)
{ struct big r; for (int i = 0; i < 3; i++) r.a[i] = x.a[i] + y.a[i] * 2;
  r.tag = x.tag ^ y.tag; return r; }
struct inner { short s; char c; };
struct outer { struct inner in[2]; float f; struct pair p; };
struct outer nest(struct outer o)
{ o.in[0].s += o.in[1].s; o.in[1].c ^= 1; o.f *= 2; o.p.a -= o.p.b; return o; }
struct bits { unsigned a : 3; int : 0; int b : 5; unsigned long c : 40; _Bool d : 1; };
struct bits bump_bits(struct bits x)
{ x.a += 1; x.b -= 2; x.c = x.c * 3 + 1; x.d = !x.d; return x; }
struct __attribute__((packed)) pk { char c; int i; short s; double d; };
struct pk pk_twist(struct pk p, int k) { p.i += k; p.s = (short)(p.s * k); p.d /= k; return p; }
struct al16 { char c; int x __attribute__((aligned(16))); };
long stacked(long a, long b, long c, long d, long e, long f, struct al16 s, long g)
{ return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * s.c + 8 * s.x + 9 * g; }
typedef struct { double x, y; } point_t;
typedef unsigned int myuint;
int64_t typedefs(uint8_t a, int64_t b, myuint c, point_t p, size_t n)
{ return a + b * 2 + c * 3 + (int64_t)(p.x * 10 + p.y) + (int64_t)n; }
void by_ptr(struct pair *p, const struct big *restrict b) { p->a += (int)b->a[1]; p->b = b->tag; }
union num { int i; float f; char bytes[8]; };
void union_ptr(union num *u) { u->bytes[7] = 9; u->i += 1; }
enum color { RED, GREEN = 5, BLUE = -2 };
enum __attribute__((packed)) small { S1, S2 = 200 };
enum color next_color(enum color c, enum small s)
{ return c == RED ? GREEN : s == S2 ? BLUE : RED; }
void ptrs(const int *src, int *restrict dst, int **pp, void *v, int arr[4], char names[][8])
{ for (int i = 0; i < 4; i++) dst[i] = src[i] + arr[3 - i]; **pp += names[1][1];
  ((char *)v)[0] = 'z'; }
struct node { struct node *next; int v; };
int list_sum(const struct node *n) { int s = 0; for (; n; n = n->next) s += n->v; return s; }
struct anon_m { int k; struct { short a, b; }; union { float f; int i; }; };
int anon_get(const struct anon_m *p) { return p->k + p->a * 10 + p->b * 100 + p->i; }
struct __attribute__((packed)) pbits { unsigned a : 5; unsigned b : 7; char c; unsigned d : 20; };
struct pbits twist_pbits(struct pbits p, int k)
{ p.a += k; p.b ^= k; p.c -= k; p.d *= k; return p; }
struct __attribute__((aligned(32))) a32 { int a; short b; };
long over_aligned(int a, int b, int c, int d, int e, int f, struct a32 s, const struct a32 t)
{ return a + b + c + d + e + f + s.a * 10 + s.b * 100 + t.a * 1000 + t.b; }
int *pick(int *base, long i) { return base + i; }
char upper(char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
struct flex { int n; short v[]; };
int flex_sum(const struct flex *f) { int s = 0; for (int i = 0; i < f->n; i++) s += f->v[i];
                                     return s; }
"""

CASES = {
    "ints": r"""printf("%ld\n", ints(-3, 250, -30000, 65000, -123456, 4000000000u, -5, 7, -9,
                                     11, 1, 'x'));""",
    "neg_char": r"""printf("%d\n", neg_char(100, 3));""",
    "is_odd": r"""printf("%d %d\n", is_odd(7), is_odd(10));""",
    "floats": r"""printf("%a\n", floats(1.5f, 2.25, 3.0L, -0.5f));""",
    "ld_scale": r"""printf("%La\n", ld_scale(1.25L, 3, 0.0625L));""",
    "wide": r"""__int128 w = wide(-((__int128)1 << 70), ~(unsigned __int128)0, 3);
               printf("%llx %llx\n", (unsigned long long)(w >> 64),
                      (unsigned long long)w);""",
    "cmul": r"""_Complex double z = 1.5 + 2.0 * __extension__ 1.0i;
               _Complex float w = 0.5f - 3.0f * __extension__ 1.0if;
               _Complex double r = cmul(z, w);
               printf("%a %a\n", __real__ r, __imag__ r);""",
    "swap_pair": r"""S(pair) r = swap_pair((S(pair)){ 7, -9 }); printf("%d %d\n", r.a, r.b);""",
    "scale_mixed": r"""S(mixed) r = scale_mixed((S(mixed)){ 1.5, 4 }, 2.5);
                       printf("%a %d\n", r.d, r.i);""",
    "big_sum": r"""S(big) x = { { 1, 2, 3 }, 'a' }, y = { { 10, 20, 30 }, 3 };
                   S(big) r = big_sum(x, y);
                   printf("%ld %ld %ld %d\n", r.a[0], r.a[1], r.a[2], r.tag);""",
    "nest": r"""S(outer) o = { { { 1, 'x' }, { 2, 'y' } }, 1.25f, { 10, 3 } };
                S(outer) r = nest(o);
                printf("%d %d %d %d %a %d %d\n", r.in[0].s, r.in[0].c, r.in[1].s, r.in[1].c,
                       (double)r.f, r.p.a, r.p.b);""",
    "bump_bits": r"""S(bits) b = { 5, -3, 123456789012ul, 1 }; S(bits) r = bump_bits(b);
                     printf("%u %d %lu %d\n", r.a, r.b, (unsigned long)r.c, r.d);""",
    "pk_twist": r"""S(pk) p = { 'q', 100000, -7, 2.5 }; S(pk) r = pk_twist(p, 3);
                    printf("%c %d %d %a\n", r.c, r.i, r.s, r.d);""",
    "stacked": r"""S(al16) s = { 3, 1000 };
                   printf("%ld\n", stacked(1, 2, 3, 4, 5, 6, s, 7));""",
    "typedefs": r"""TD(point_t) p = { 1.5, 2.0 };
                    printf("%ld\n", (long)typedefs(200, -5000000000, 7u, p, 11));""",
    "by_ptr": r"""S(pair) p = { 1, 2 }; S(big) b = { { 5, 6, 7 }, 42 }; by_ptr(&p, &b);
                  printf("%d %d\n", p.a, p.b);""",
    "union_ptr": r"""U(num) u; memset(&u, 0, sizeof u); u.i = 41; union_ptr(&u);
                     printf("%d %d %zu\n", u.i, u.bytes[7], sizeof u);""",
    "next_color": r"""printf("%d %d %d %zu\n", next_color(K(color, RED), K(small, S1)),
                             next_color(K(color, GREEN), K(small, S2)),
                             next_color(K(color, BLUE), K(small, S1)), sizeof(E(small)));""",
    "ptrs": r"""int src[4] = { 1, 2, 3, 4 }, dst[4] = { 0 }, x = 7, *px = &x;
                char nm[2][8] = { "ab", "cd" };
                ptrs(src, dst, &px, nm, src, nm);
                printf("%d %d %d %d %d %c\n", dst[0], dst[1], dst[2], dst[3], x, nm[0][0]);""",
    "list_sum": r"""S(node) c = { 0, 30 }, b = { &c, 20 }, a = { &b, 10 };
                    printf("%d\n", list_sum(&a));""",
    "anon_get": r"""int raw[4] = { 5, 0x00030002, 0x40000000, 0 }; S(anon_m) m;
                    memcpy(&m, raw, sizeof m); printf("%d %zu\n", anon_get(&m), sizeof m);""",
    "twist_pbits": r"""S(pbits) p = { 17, 100, 'k', 99999 }; S(pbits) r = twist_pbits(p, 3);
                       printf("%u %u %c %u %zu\n", r.a, r.b, r.c, r.d, sizeof r);""",
    "over_aligned": r"""S(a32) s = { 3, -4 }, t = { 5, 6 };
                        printf("%ld\n", over_aligned(1, 2, 3, 4, 5, 6, s, t));""",
    "pick": r"""int arr[5] = { 1, 2, 3, 4, 5 }; printf("%d\n", *pick(arr, 3));""",
    "upper": r"""printf("%c%c\n", upper('q'), upper('Q'));""",
    "flex_sum": r"""static long buf[4]; S(flex) *f = (S(flex) *)buf; f->n = 3;
                    f->v[0] = 7; f->v[1] = -2; f->v[2] = 30; printf("%d\n", flex_sum(f));""",
}


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[Path, Path]:
    """The original translation unit with an expected_<case> per case, and its -O2 object."""
    root = tmp_path_factory.mktemp("abi")
    src = root / "original.c"
    expected = "".join(f"void expected_{name}(void) {{ {body} }}\n"
                       for name, body in CASES.items())
    src.write_text(ORIGINAL_PRELUDE + ORIGINAL + expected)
    obj = root / "original.o"
    subprocess.run([GCC, "-O2", "-Wall", "-Werror", "-c", str(src), "-o", str(obj)], check=True)
    return src, obj


def build_and_run_harness(sig: Signature, body: str, original_obj: Path, root: Path) -> str:
    harness = root / f"harness_{sig.name}.c"
    harness.write_text(HARNESS_PRELUDE + c_declarations(sig) + c_prototype(sig, sig.name) + "\n"
                       + f"void expected_{sig.name}(void);\n"
                       + f"int main(void) {{ {body}\n fflush(stdout); expected_{sig.name}();"
                       + " return 0; }\n")
    exe = root / f"harness_{sig.name}"
    compiled = subprocess.run([GCC, "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused",
                               str(harness), str(original_obj), "-o", str(exe)],
                              capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr + harness.read_text()
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("name", list(CASES))
def test_harness_calls_function_with_the_same_abi(original, tmp_path, name):
    src, obj = original
    sig = signature_of(str(src), name, GCC, FLAGS)
    assert sig.testable, sig.untestable_reason
    lines = build_and_run_harness(sig, CASES[name], obj, tmp_path).splitlines()
    half = len(lines) // 2
    assert half and lines[:half] == lines[half:], lines


def test_static_asserts_catch_a_wrong_layout(original, tmp_path):
    src, _ = original
    sig = signature_of(str(src), "stacked", GCC, FLAGS)
    al16 = sig.params[6].ctype
    # x on top of c: no declaration of a struct lays it out so.
    moved = dataclasses.replace(al16.fields[1], offset=0)
    wrong = dataclasses.replace(al16, fields=(al16.fields[0], moved))
    params = list(sig.params)
    params[6] = dataclasses.replace(params[6], ctype=wrong)
    bad = dataclasses.replace(sig, params=tuple(params))
    for text, ok in ((c_declarations(sig), True), (c_declarations(bad), False)):
        path = tmp_path / "decls.c"
        path.write_text(text)
        result = subprocess.run([GCC, "-fsyntax-only", "-Wall", "-Werror", str(path)],
                                capture_output=True, text=True)
        assert (result.returncode == 0) == ok, result.stderr
    assert "offset of x" in result.stderr
