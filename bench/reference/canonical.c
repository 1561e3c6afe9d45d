/*
 * An independent, straightforward single-threaded C implementation of the canonical benchmark scenario of
 * MODEL.md ("The canonical benchmark scenario"), the yardstick of `jaksim bench` (issue 16). It shares no
 * code with jaksim: its own generator (xoshiro256**), Box-Muller normals, inverse-CDF exponentials, Phi by
 * erfc. It draws every variate of every patient, in MODEL.md's order, and steps through the visits one by
 * one, computing SALT(t) at each with exp() (no shortcuts). Its curves therefore agree with jaksim's only
 * within Monte Carlo error: that is a check of both.
 *
 *   gcc -O2 -o canonical bench/reference/canonical.c -lm
 *   ./canonical [patients=1000000] [seed=20251008]
 *
 * Output, one JSON document on stdout: patients, seconds (the simulation alone, CLOCK_MONOTONIC), its CPU
 * seconds (clock()), and per
 * policy the cumulative response (ever SALT <= 20 at a visit <= t) and point response counts per visit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DRUGS 3
#define VISITS 36
#define POLICIES 2
#define HORIZON 36.0
#define THRESHOLD 20.0
#define EPS 1e-9

/* ---- xoshiro256** (Blackman & Vigna), seeded by splitmix64 ---- */
static uint64_t s[4];
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t next64(void) {
  uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
  return r;
}
static void seed_rng(uint64_t seed) {
  for (int i = 0; i < 4; i++) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    s[i] = z ^ (z >> 31);
  }
}
/* Uniform on [0, 1), 53 bits. */
static double uniform(void) { return (double)(next64() >> 11) * 0x1.0p-53; }
static double exponential1(void) { return -log1p(-uniform()); }
static int has_spare = 0;
static double spare;
static double normal(void) {
  if (has_spare) { has_spare = 0; return spare; }
  double u1 = 1.0 - uniform(), u2 = uniform(), r = sqrt(-2.0 * log(u1));
  spare = r * sin(2.0 * M_PI * u2); has_spare = 1;
  return r * cos(2.0 * M_PI * u2);
}
static double Phi(double x) { return 0.5 * erfc(-x / M_SQRT2); }

/* ---- the scenario ---- */
static const double mu[DRUGS] = {0.35, 0.15, 0.40}, tau_d[DRUGS] = {5.0, 5.5, 4.5}, ae_rate[DRUGS] = {0.002, 0.002, 0.003};
static const double sigma = 1.0, k_onset = 2.0, s_tau = 0.5, beta_dur = -0.3, ref_dur = 3.5, beta_minox = 0.25,
                    beta_very_severe = -0.5, tau_off = 2.0, rho_class = 0.5;
static const double fail_at[POLICIES] = {6.0, 9.0};

typedef struct { double salt0, omega, G[DRUGS], tau[DRUGS], A[DRUGS]; } patient_t;

static double onset(double u, double tau) { return u <= 0 ? 0 : 1.0 - exp(-pow(u / tau, k_onset)); }

/* One patient under one policy (sequence drugs 0, 1, 2): marks first response and point responses. */
static void follow(const patient_t *p, double fail, long *first, long *point) {
  int line = 0, on = 1, responded = 0, first_visit = VISITS;
  double start = 0, res_e = 0, res_t = 0, next_start = INFINITY;
  for (int v = 0; v < VISITS; v++) {
    double t = (v + 1) * 1.0;
    for (;;) { /* adverse-event stops and line starts up to t */
      double ae = on ? start + p->A[line] : INFINITY;
      if (on && ae <= t) {
        double own = p->G[line] * onset(ae - start, p->tau[line]);
        double r = res_e * exp(-(ae - res_t) / tau_off);
        res_e = own > r ? own : r; res_t = ae; on = 0;
        next_start = line + 1 < DRUGS ? ae : INFINITY;
      } else if (!on && next_start <= t && next_start < HORIZON) {
        line++; start = next_start; next_start = INFINITY; on = 1; responded = 0;
      } else break;
    }
    double nat = fmin(100.0, p->salt0 + p->omega * t);
    double own = on ? p->G[line] * onset(t - start, p->tau[line]) : 0;
    double r = res_e * exp(-(t - res_t) / tau_off);
    double e = own > r ? own : r;
    double salt = nat * (1 - e);
    if (salt <= THRESHOLD) {
      point[v]++;
      if (first_visit == VISITS) first_visit = v;
      responded = 1;
    }
    if (on && !responded && t - start >= fail - EPS) { /* failure: switch at t */
      res_e = e; res_t = t; on = 0;
      next_start = line + 1 < DRUGS ? t : INFINITY;
    }
  }
  first[first_visit]++;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  uint64_t seed = argc > 2 ? strtoull(argv[2], 0, 10) : 20251008ULL;
  seed_rng(seed);
  /* Cholesky factor of R (1 on the diagonal, rho_class elsewhere). */
  double R[DRUGS][DRUGS], C[DRUGS][DRUGS] = {{0}};
  for (int i = 0; i < DRUGS; i++) for (int j = 0; j < DRUGS; j++) R[i][j] = i == j ? 1 : rho_class;
  for (int i = 0; i < DRUGS; i++) for (int j = 0; j <= i; j++) {
    double x = R[i][j];
    for (int m = 0; m < j; m++) x -= C[i][m] * C[j][m];
    C[i][j] = i == j ? sqrt(x) : x / C[j][j];
  }
  static long first[POLICIES][VISITS + 1], point[POLICIES][VISITS];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_t c0 = clock();
  patient_t p;
  for (long i = 0; i < n; i++) {
    /* MODEL.md's draw order: salt0 (bin, value), duration, minoxidil, worsening, e[], W[], A[]. */
    double u_bin = uniform(), u_salt = uniform();
    p.salt0 = u_bin < 0.5 ? 95 + 5 * u_salt : 50 + 45 * u_salt;
    double dur = exp(log(3.5) + 0.8 * normal());
    dur = dur < 0.5 ? 0.5 : dur > 20 ? 20 : dur;
    int minox = uniform() < 0.3;
    int worsens = uniform() < 0.3;
    double rate = exponential1() * 1.5;
    p.omega = worsens ? rate : 0;
    double e[DRUGS];
    for (int d = 0; d < DRUGS; d++) e[d] = normal();
    double base = beta_dur * log(dur / ref_dur) + beta_minox * minox + (p.salt0 >= 95 ? beta_very_severe : 0);
    for (int d = 0; d < DRUGS; d++) {
      double z = 0;
      for (int j = 0; j <= d; j++) z += C[d][j] * e[j];
      p.G[d] = Phi(mu[d] + base + sigma * z);
    }
    for (int d = 0; d < DRUGS; d++) p.tau[d] = tau_d[d] * exp(s_tau * normal());
    for (int d = 0; d < DRUGS; d++) p.A[d] = exponential1() / ae_rate[d];
    for (int q = 0; q < POLICIES; q++) follow(&p, fail_at[q], first[q], point[q]);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  printf("{\"patients\": %ld, \"seconds\": %.6f, \"cpuSeconds\": %.6f, \"policies\": [", n, secs, cpu);
  for (int q = 0; q < POLICIES; q++) {
    printf("%s{\"failAtMonths\": %g, \"cumulative\": [", q ? ", " : "", fail_at[q]);
    long cum = 0;
    for (int v = 0; v < VISITS; v++) { cum += first[q][v]; printf("%s%ld", v ? ", " : "", cum); }
    printf("], \"point\": [");
    for (int v = 0; v < VISITS; v++) printf("%s%ld", v ? ", " : "", point[q][v]);
    printf("]}");
  }
  printf("]}\n");
  return 0;
}
