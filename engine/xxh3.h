// XXH3 at the width of the CPU's vectors. Debian's libxxhash exports, beside the plain
// functions (built for SSE2), variants that pick AVX2 or AVX-512 at run time; on x86-64
// xxh_x86dispatch.h maps the XXH3 names onto them. Same hashes; on this project's machine
// (AVX-512) XXH3-128 over 1 MiB blocks ran at 51 GB/s against 13 streaming, 61 against 3.5
// in one call (bench/pipeline_bench, BM_Xxh3_128*). Include this instead of <xxhash.h>.
#ifndef INGEST_ENGINE_XXH3_H_
#define INGEST_ENGINE_XXH3_H_

#include <xxhash.h>

#if defined(__x86_64__) && __has_include(<xxh_x86dispatch.h>)
#include <xxh_x86dispatch.h>
#endif

#endif  // INGEST_ENGINE_XXH3_H_
