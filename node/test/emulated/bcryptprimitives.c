/*
 * For the Windows build's test under Wine 8 (Debian 12) only: Bun's Windows
 * runtime imports ProcessPrng from bcryptprimitives.dll, which Windows 10+
 * has and Wine has only from 9.0 on. This stand-in answers it with
 * RtlGenRandom, as Wine 9's own does. Built by the test with mingw-w64 and
 * put beside the .exe; never shipped.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) { return RtlGenRandom(data, (ULONG)len); }
