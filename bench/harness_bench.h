/* Includes for the daemon benchmarks: the tests' wallet fixture and fake chain. */
#ifndef COFFER_BENCH_HARNESS_BENCH_H
#define COFFER_BENCH_HARNESS_BENCH_H

#include "daemon/payments.h"
#include "daemon/store.h"
#include "daemon/store_payments.h"
#include "payments_fake.h"

#endif
