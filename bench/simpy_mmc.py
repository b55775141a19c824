#!/usr/bin/env python3
# simpy_mmc.py - the M/M/c queue of bench/bench_request.c in SimPy, for the
# speed comparison of `make bench`: Poisson arrivals at rate rho c / s, c
# servers, exponential service of mean s, each request a SimPy process that
# requests a server, holds for its service time and records its response
# time. Prints "requests N wall S rate R mean_ms M impl SimPy-V" on one line.
# Usage: simpy_mmc.py [REQUESTS] [C] [RHO]
# Works with SimPy 3/4 (import simpy) and with Debian's python3-simpy, which
# is SimPy 2.3 (from SimPy.Simulation import ...), also when python3 is not
# Debian's own interpreter.
import random
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
C = int(sys.argv[2]) if len(sys.argv) > 2 else 16
RHO = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
S = 0.01
LAM = RHO * C / S


def run_simpy3(simpy):
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=C)
    rng = random.Random(1)
    stats = [0, 0.0]

    def request(env):
        t0 = env.now
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / S))
        stats[0] += 1
        stats[1] += env.now - t0

    def source(env):
        for _ in range(N):
            yield env.timeout(rng.expovariate(LAM))
            env.process(request(env))

    env.process(source(env))
    env.run()
    return stats


def run_simpy2():
    try:
        import SimPy.Simulation as sp
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        import SimPy.Simulation as sp
    rng = random.Random(1)
    stats = [0, 0.0]
    sp.initialize()
    servers = sp.Resource(capacity=C, monitored=False)

    class Request(sp.Process):
        def run(self):
            t0 = sp.now()
            yield sp.request, self, servers
            yield sp.hold, self, rng.expovariate(1 / S)
            yield sp.release, self, servers
            stats[0] += 1
            stats[1] += sp.now() - t0

    class Source(sp.Process):
        def run(self):
            for _ in range(N):
                yield sp.hold, self, rng.expovariate(LAM)
                r = Request()
                sp.activate(r, r.run())

    src = Source()
    sp.activate(src, src.run())
    sp.simulate(until=1e18)
    return stats


def main():
    t0 = time.perf_counter()
    try:
        import simpy
        impl = "SimPy-" + getattr(simpy, "__version__", "3")
        t0 = time.perf_counter()
        stats = run_simpy3(simpy)
    except ImportError:
        t0 = time.perf_counter()
        stats = run_simpy2()
        import SimPy
        impl = "SimPy-" + getattr(SimPy, "__version__", "2")
    wall = time.perf_counter() - t0
    print("requests %d wall %.3f rate %.0f mean_ms %.4f impl %s" %
          (stats[0], wall, stats[0] / wall, stats[1] / stats[0] * 1e3, impl))


main()
