/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * efi_app.c: the tiny EFI appliance's boot loader, \EFI\BOOT\BOOTX64.EFI
 * on the ESP.  It prints MARKER through the firmware's console, which OVMF
 * mirrors to the first serial port, and halts: all the import test needs
 * to see is that OVMF found the converted disk on the controller the
 * mapping chose and ran code from it.
 *
 * Built with Debian's gnu-efi (make_appliance.sh): gnu-efi's crt0 relocates
 * the image and calls efi_main with the System V calling convention, so
 * efi_main is NOT declared EFIAPI; the firmware services are ms_abi
 * pointers, called through uefi_call_wrapper.
 */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	InitializeLib(image, st);
	/* The boot manager arms a 5-minute watchdog for each boot option; a
	 * guest that halts on purpose must not be reset by it. */
	uefi_call_wrapper(st->BootServices->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	uefi_call_wrapper(st->ConOut->OutputString, 2, st->ConOut,
			  L"\r\nOVK-EFI-APPLIANCE-BOOTED\r\n");
	for (;;)
		__asm__ volatile("hlt");
	return EFI_SUCCESS;
}
