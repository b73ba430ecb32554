"""The grammar on hand-picked statements, and its errors' line and column."""

from __future__ import annotations

import pytest

from llmcc.asm import parse_statements
from llmcc.asm.syntax import Directive, Immediate, Indirect, Instruction, Memory, Register
from llmcc.errors import AsmParseError


def one(text: str):
    (st,) = parse_statements(text)
    return st


def test_memory_operand_parts():
    st = one("\tmovl\t-8(%rbp,%rax,4), %eax")
    ins = st.body
    assert isinstance(ins, Instruction) and ins.mnemonic == "movl"
    mem, reg = ins.operands
    assert mem == Memory(None, mem.disp, "rbp", "rax", "4", True)
    assert mem.disp.render() == "-8"
    assert reg == Register("eax")


def test_rip_relative_symbol_with_relocation_and_segment():
    ins = one("\tmovq\tfoo@GOTPCREL(%rip), %rax").body
    assert ins.operands[0].disp.symbols() == ("foo",)
    ins = one("\tmovl\t%fs:counter@tpoff, %eax").body
    assert ins.operands[0].segment == "fs"


def test_indirect_jump_through_table_and_immediates():
    ins = one("\tnotrack jmp\t*%rax").body
    assert ins.prefixes == ("notrack",) and isinstance(ins.operands[0], Indirect)
    ins = one("\tjmp\t*.L4(,%rdi,8)").body
    assert ins.operands[0].target.index == "rdi"
    ins = one("\tmovabsq\t$-9223372036854775808, %rax").body
    assert isinstance(ins.operands[0], Immediate)


def test_avx512_decorators_and_x87_registers():
    ins = one("\tvaddps\t%zmm1, %zmm2, %zmm0{%k1}{z}").body
    assert ins.operands[2].render() == "%zmm0{%k1}{z}"
    assert one("\tfstp\t%st(1)").body.operands[0] == Register("st(1)")


def test_directive_arguments_keep_strings_and_empty_fields():
    st = one('\t.string\t"a,b#c\\"d"')
    assert st.body == Directive(".string", ('"a,b#c\\"d"',))
    assert one("\t.p2align 4,,10").body.args == ("4", "", "10")
    assert one('\t.section\t.note.GNU-stack,"",@progbits').body.args == (
        ".note.GNU-stack", '""', "@progbits")


def test_labels_comments_and_separators():
    statements = parse_statements("foo:\n.L2:\tret\t# done\n\trep; ret\n")
    assert [s.labels for s in statements] == [("foo",), (".L2",), (), ()]
    assert statements[1].comment == "# done"
    assert [s.line for s in statements] == [1, 2, 3, 3]


def test_rendering_is_stable():
    text = "\taddq\t$1, 8(%rdi)\n\t.long\t.L3-.L4\n"
    first = "\n".join(s.render() for s in parse_statements(text))
    again = "\n".join(s.render() for s in parse_statements(first))
    assert first == again


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("\tmovl\t%eax, %ebx\n\tmovl\t%eax,, %ebx\n", 2, 12),
        ("f:\n\tret\n\tmovl\t(%rax, %eax\n", 3, 18),
        ("\tmovl\t$1 %eax\n", 1, 10),
        ("\tMOVL\t%eax, %ebx\n", 1, 2),
    ],
)
def test_parse_errors_give_line_and_column(text, line, column):
    with pytest.raises(AsmParseError) as info:
        parse_statements(text)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert "^" in err.pretty() and text.splitlines()[line - 1].expandtabs(1) in err.pretty()
