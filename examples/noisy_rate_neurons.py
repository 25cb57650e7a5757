"""Noise in the equation language, and NEST's sigmoid_rate_ipn driven through a delayed rate input.

1. An Ornstein-Uhlenbeck membrane, ``dV/dt = (E_L - V)/tau + sigma*xi`` with ``xi`` white noise
   (unit 1/sqrt(ms), so ``sigma`` is in mV/sqrt(ms): checked like every other term), 2,000 neurons.
   The stationary spread across the population is compared with the exact value
   sigma*sqrt(tau/2); the same seed gives the same traces whatever the number of threads.
2. ``nu.models.nest.sigmoid_rate_ipn`` (noise-free here) receiving a rate input that switches on at
   20 ms, once instantaneously and once delayed by 5 ms.

    python examples/noisy_rate_neurons.py [noise.png]
"""

import sys

import numpy as np

import neurounits as nu

OU = nu.Model.from_equations(
    "dV/dt = (E_L - V)/tau + sigma*xi : mV",
    parameters={"E_L": "-65 mV", "tau": "10 ms", "sigma": "0.5 mV/ms**0.5"},
    initial={"V": "E_L"}, name="OUMembrane")

ou = OU(n=2000)
res = nu.simulate(ou, "200 ms", "0.1 ms", seed=7, record=("V",))
again = nu.simulate(ou, "200 ms", "0.1 ms", seed=7, record=("V",), threads=2)
v_end = res["V"][-1].to("mV").magnitude
expected_sd = 0.5 * np.sqrt(10 / 2)
print(f"OU membrane: method {res.method}, seed {res.seed}")
print(f"  stationary mean {v_end.mean():.2f} mV (exact -65.00), "
      f"sd {v_end.std(ddof=1):.3f} mV (exact {expected_sd:.3f})")
same = np.array_equal(res["V"].magnitude, again["V"].magnitude)
print(f"  same seed, 1 vs 2 threads: identical traces = {same}")

rate = nu.models.nest.sigmoid_rate_ipn(n=1, sigma=0.0, mu=0.0, beta=2.0, theta=0.5)
step = nu.TimedArray(np.r_[np.zeros(200), np.ones(600)], dt="0.1 ms")  # switches on at 20 ms
runs = {}
for label, delay in (("instantaneous", None), ("delayed 5 ms", "5 ms")):
    r = nu.simulate(rate, "80 ms", "0.1 ms", record=("rate",),
                    rate_inputs=[nu.RateInput(rate=step, weight=1.5, delay=delay)])
    runs[label] = r
    x = r["rate"].magnitude[:, 0]
    print(f"sigmoid_rate_ipn, {label}: rate at 20 ms {x[200]:.4f}, at 30 ms {x[300]:.4f}, "
          f"at 80 ms {x[-1]:.4f}")

if len(sys.argv) > 1:
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    t = res.t.to("ms").magnitude
    a.plot(t, res["V"].to("mV").magnitude[:, :5], lw=0.7)
    a.set(xlabel="t (ms)", ylabel="V (mV)", title="OU membranes (5 of 2,000)")
    for label, r in runs.items():
        b.plot(r.t.to("ms").magnitude, r["rate"].magnitude[:, 0], label=label)
    b.set(xlabel="t (ms)", ylabel="rate", title="sigmoid_rate_ipn, input on at 20 ms")
    b.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=100)
    print(f"wrote {sys.argv[1]}")
