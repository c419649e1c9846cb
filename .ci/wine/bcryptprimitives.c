/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows unit tests under Wine 8
 * (Debian 12), which does not have it. Rust's standard library takes its random numbers (the
 * keys of every HashMap) from ProcessPrng in that DLL; without it no test executable starts.
 * This one asks advapi32's RtlGenRandom (SystemFunction036), which Wine has. Built by .ci/run
 * with the MinGW-w64 compiler and copied beside the test executables; never part of a release. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
