"""The public streams: product questions (`questions`) and reviews (`reviews`), each a service
with a one-batch `run_once()` per shop; staff cards for both (`desk`); shared steps (`common`)
and pure decisions (`policy`)."""
