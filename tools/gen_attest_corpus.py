#!/usr/bin/env python3
"""Seed fuzz/corpus/fuzz_attest from ../shared/attestation (run from the repository root).

Each seed is one mode byte (see fuzz/fuzz_attest.c) followed by a sample, named
by the SHA-1 of its content; samples over 60 KiB are skipped (run-one caps
inputs at 64 KiB).
"""
import glob
import hashlib
import os
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
out = "fuzz/corpus/fuzz_attest"
A = os.path.join(shared, "attestation")
# (mode, glob) — modes: 0 auto, 1 sev-snp, 2 azure-cvm, 3 tdx, 4 sgx, 5 nitro, 6 policy, 7 certificates, 8 bincode quote
SEEDS = [
    (0, "sev-snp/*report.bin"), (1, "sev-snp/*report.bin"), (1, "sev-snp/trustee_test-vlek-report.bin"),
    (0, "azure/*hcl-report*.bin"), (2, "azure/*hcl-report*.bin"), (2, "azure/*evidence*.json"),
    (3, "tdx/*tdx_quote*.dat"), (3, "tdx/gotdxguest_quote_v5_sample.dat"), (4, "tdx/trustee_occlum_quote.dat"),
    (0, "nitro/evervault_beta_valid-attestation-doc-bytes"), (5, "nitro/evervault_beta_*doc-bytes"),
    (7, "sev-snp/*.der"), (7, "sev-snp/trustee_*_ask_ark_asvk.pem"), (7, "azure/trustee_azsnp_vcek.pem"),
    (8, "azure/*quote.bin"),
]
POLICIES = [
    b'{"allow_debug": true, "min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115, "fmc": 1},'
    b' "measurements": ["aa"], "mrtd": ["bb"], "pcrs": {"0": ["00"], "23": ["11"]},'
    b' "allow": {"vmpl": ["0"]}, "report_data": "0102"}',
    b'{"pcrs": {"07": ["00"]}}', b'{"allow_debug": 1}', b'{}',
]

os.makedirs(out, exist_ok=True)
n = 0
def put(data):
    global n
    if len(data) > 60 * 1024:
        return
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
    n += 1
for mode, pattern in SEEDS:
    for path in sorted(glob.glob(os.path.join(A, pattern))):
        with open(path, "rb") as f:
            put(bytes([mode]) + f.read())
for p in POLICIES:
    put(bytes([6]) + p)
print(f"{n} seeds in {out}")
