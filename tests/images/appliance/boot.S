/*
 * boot.S: the tiny BIOS appliance's boot sector.  It prints MARKER on
 * COM1 and halts, which is all the import test needs to see: the firmware
 * found the converted disk on the OVF's own controller and ran its code.
 * Assembled as 16-bit code linked at 0x7c00 (make_appliance.sh).
 */
	.code16
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	/* COM1 at 0x3f8: 115200 8N1 (divisor 1), FIFO on. */
	movw $0x3fb, %dx
	movb $0x80, %al
	outb %al, %dx
	movw $0x3f8, %dx
	movb $0x01, %al
	outb %al, %dx
	movw $0x3f9, %dx
	xorb %al, %al
	outb %al, %dx
	movw $0x3fb, %dx
	movb $0x03, %al
	outb %al, %dx
	movw $0x3fa, %dx
	movb $0xc7, %al
	outb %al, %dx
	movw $msg, %si
next:
	lodsb
	testb %al, %al
	jz done
	movb %al, %bl
	movw $0x3fd, %dx
wait:
	inb %dx, %al
	testb $0x20, %al
	jz wait
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	jmp next
done:
	hlt
	jmp done
msg:
	.asciz "\r\nOVK-APPLIANCE-BOOTED\r\n"
	.org 510
	.byte 0x55, 0xaa
