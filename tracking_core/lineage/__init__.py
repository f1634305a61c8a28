"""Where a run's data came from and what its process is doing.

``datasets`` (describing numpy, pandas and scipy data: digest, schema, profile; other types are
described by the describers registered with ``add_describer``, which autolog's plugins provide),
``dataset_inputs`` (what ``log_input`` accepts, turned into rows), ``system_metrics`` (a sampler of
CPU, memory, disk, network and GPU use), ``liveness`` (telling a dead run's process from a live
one, and marking the dead KILLED). No machine-learning framework is known here.
"""
