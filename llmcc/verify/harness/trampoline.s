# The trampoline every call of the function under test goes through (in the spirit of
# checkasm): it seeds the callee-saved registers with known values, calls llmcc_target with
# the caller's arguments untouched (state lives in globals, not on the stack, so stack
# arguments stay where the callee expects them), then records in llmcc_abi_bad which rule
# the callee broke: 1 callee-saved register changed, 2 stack pointer not restored, 4
# direction flag left set, 8 MXCSR changed, 16 x87 control word changed; and which memory
# it touched that gcc's code for a function never does: 32 below the red zone, 64 the
# caller's frame above the return address (judged against the baseline on the same input:
# a function that calls others uses the stack below itself legitimately).
# For a function with callers in its unit (gcc's -fipa-ra), the caller-saved registers the
# baseline leaves alone (llmcc_scratch_check, a bit each: trampoline.py's SCRATCH) are also
# seeded where they carry no argument (llmcc_scratch_seed), kept in llmcc_regs before the
# call and after it, and compared by the C (llmcc_scratch_changed).
# A template: llmcc/verify/harness/trampoline.py fills the lines between at signs.
	.text
	.globl	llmcc_tramp
	.type	llmcc_tramp, @function
llmcc_tramp:
	popq	llmcc_ret(%rip)
	movq	%rbx, llmcc_save+0(%rip)
	movq	%rbp, llmcc_save+8(%rip)
	movq	%r12, llmcc_save+16(%rip)
	movq	%r13, llmcc_save+24(%rip)
	movq	%r14, llmcc_save+32(%rip)
	movq	%r15, llmcc_save+40(%rip)
	movq	%rsp, llmcc_save+48(%rip)
	stmxcsr	llmcc_save+56(%rip)
	fnstcw	llmcc_save+60(%rip)
	# canaries: 256 bytes below the callee's red zone, and (when no argument is passed on
	# the stack) 64 bytes of frame above its return address
	# only r10 and r11 carry no argument: the canaries are written with them alone
	movabsq	$0x3d3d3d3d3d3d3d3d, %r11
	cmpl	$0, llmcc_frame_guard(%rip)
	je	8f
	subq	$64, %rsp
@FILL_FRAME@
8:
@FILL_BELOW@
	# 32-bit arguments: the ABI leaves the upper half of their register undefined
	movabsq	$0x5bad5bad00000000, %r11
@GARBLE@
@SEED_SCRATCH@
	movabsq	$0x5a17c0de1badf00d, %rbx
	movabsq	$0x6b28d1ef2cbe011e, %rbp
	movabsq	$0x7c39e2f03dcf122f, %r12
	movabsq	$0x0d4af3014ed02330, %r13
	movabsq	$0x1e5b04125fe13441, %r14
	movabsq	$0x2f6c152360f24552, %r15
@KEEP_BEFORE@
	call	*llmcc_target(%rip)
@KEEP_AFTER@
	movq	%rax, llmcc_save+64(%rip)
	movl	$0, llmcc_abi_bad(%rip)
	movq	%rdx, llmcc_save+80(%rip)
	movabsq	$0x3d3d3d3d3d3d3d3d, %r11
@CHECK_BELOW@
	jmp	16f
15:	orl	$32, llmcc_abi_bad(%rip)
16:	cmpl	$0, llmcc_frame_guard(%rip)
	je	10f
@CHECK_FRAME@
	jmp	13f
12:	orl	$64, llmcc_abi_bad(%rip)
13:	addq	$64, %rsp
10:
	movabsq	$0x5a17c0de1badf00d, %rax
	cmpq	%rax, %rbx
	jne	1f
	movabsq	$0x6b28d1ef2cbe011e, %rax
	cmpq	%rax, %rbp
	jne	1f
	movabsq	$0x7c39e2f03dcf122f, %rax
	cmpq	%rax, %r12
	jne	1f
	movabsq	$0x0d4af3014ed02330, %rax
	cmpq	%rax, %r13
	jne	1f
	movabsq	$0x1e5b04125fe13441, %rax
	cmpq	%rax, %r14
	jne	1f
	movabsq	$0x2f6c152360f24552, %rax
	cmpq	%rax, %r15
	je	2f
1:	orl	$1, llmcc_abi_bad(%rip)
2:	cmpq	llmcc_save+48(%rip), %rsp
	je	3f
	orl	$2, llmcc_abi_bad(%rip)
	movq	llmcc_save+48(%rip), %rsp
3:	pushfq
	popq	%rax
	testq	$0x400, %rax
	je	4f
	orl	$4, llmcc_abi_bad(%rip)
	cld
4:	stmxcsr	llmcc_save+72(%rip)
	movl	llmcc_save+72(%rip), %eax
	xorl	llmcc_save+56(%rip), %eax
	andl	$0xffc0, %eax
	je	5f
	orl	$8, llmcc_abi_bad(%rip)
5:	fnstcw	llmcc_save+76(%rip)
	movzwl	llmcc_save+76(%rip), %eax
	cmpw	llmcc_save+60(%rip), %ax
	je	6f
	orl	$16, llmcc_abi_bad(%rip)
6:	movq	llmcc_save+64(%rip), %rax
	movq	llmcc_save+80(%rip), %rdx
	movq	llmcc_save+0(%rip), %rbx
	movq	llmcc_save+8(%rip), %rbp
	movq	llmcc_save+16(%rip), %r12
	movq	llmcc_save+24(%rip), %r13
	movq	llmcc_save+32(%rip), %r14
	movq	llmcc_save+40(%rip), %r15
	pushq	llmcc_ret(%rip)
	ret
	.size	llmcc_tramp, .-llmcc_tramp
	.local	llmcc_ret
	.comm	llmcc_ret,8,8
	.local	llmcc_save
	.comm	llmcc_save,88,8
	.globl	llmcc_target
	.comm	llmcc_target,8,8
	.globl	llmcc_abi_bad
	.comm	llmcc_abi_bad,4,4
	.globl	llmcc_frame_guard
	.comm	llmcc_frame_guard,4,4
	.globl	llmcc_garble
	.comm	llmcc_garble,4,4
	.globl	llmcc_scratch_check
	.comm	llmcc_scratch_check,8,8
	.globl	llmcc_scratch_seed
	.comm	llmcc_scratch_seed,8,8
	.globl	llmcc_vector_level
	.comm	llmcc_vector_level,4,4
	.globl	llmcc_regs
	.comm	llmcc_regs,@REGS_BYTES@,64
@CANARIES@
	.section	.note.GNU-stack,"",@progbits
