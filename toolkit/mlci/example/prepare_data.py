"""Generate the example's customer-churn data: a reference set and a shifted current set.

The data is synthetic but shaped like a real churn table, so the example needs no
download. `current.csv` is what production looked like a few months later: prices went
up, more customers are on month-to-month contracts, support calls rose, a new payment
method appeared and the support-call field is sometimes missing.

    python prepare_data.py            # writes data/reference.csv and data/current.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

CONTRACTS = ["month-to-month", "one-year", "two-year"]
PAYMENTS = ["card", "bank_transfer", "electronic_check", "mailed_check"]
REGIONS = ["north", "south", "east", "west"]


def generate(rows: int, seed: int, shifted: bool, first_id: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract_mix = [0.70, 0.18, 0.12] if shifted else [0.52, 0.27, 0.21]
    contract = rng.choice(CONTRACTS, size=rows, p=contract_mix)
    payments = PAYMENTS + (["wallet"] if shifted else [])
    payment_mix = [0.28, 0.24, 0.26, 0.14, 0.08] if shifted else [0.30, 0.27, 0.28, 0.15]
    payment = rng.choice(payments, size=rows, p=payment_mix)
    tenure = rng.integers(1, 73, size=rows)
    price_level = 1.12 if shifted else 1.0
    monthly = np.clip(rng.normal(65.0, 20.0, size=rows) * price_level, 18.0, 140.0)
    total = tenure * monthly * rng.uniform(0.9, 1.1, size=rows)
    support_calls = rng.poisson(2.3 if shifted else 1.5, size=rows).astype(float)
    age = rng.integers(18, 81, size=rows)
    gender = rng.choice(["female", "male"], size=rows)
    region = rng.choice(REGIONS, size=rows, p=[0.3, 0.25, 0.25, 0.2])
    logit = (
        -1.1
        + 1.3 * (contract == "month-to-month")
        - 0.6 * (contract == "two-year")
        - 0.035 * tenure
        + 0.025 * (monthly - 65.0)
        + 0.38 * support_calls
        + 0.55 * (payment == "electronic_check")
        + 0.15 * (gender == "female")
        - 0.008 * (age - 45)
    )
    churned = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    if shifted:
        # The support system lost some call counts after a migration.
        support_calls[rng.random(rows) < 0.06] = np.nan
    snapshot = np.datetime64("2026-06-01") if not shifted else np.datetime64("2026-10-01")
    signup = snapshot - (tenure * 30).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "customer_id": np.arange(first_id, first_id + rows),
            "tenure_months": tenure,
            "monthly_charges": monthly.round(2),
            "total_charges": total.round(2),
            "support_calls": support_calls,
            "age": age,
            "contract": contract,
            "payment_method": payment,
            "region": region,
            "gender": gender,
            "signup_date": pd.to_datetime(signup).strftime("%Y-%m-%d"),
            "churned": churned,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--only-current", action="store_true", help="write current.csv only")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.only_current:
        generate(4000, seed=7, shifted=False).to_csv(out / "reference.csv", index=False)
    generate(2000, seed=11, shifted=True, first_id=100001).to_csv(out / "current.csv", index=False)


if __name__ == "__main__":
    main()
