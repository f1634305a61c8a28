"""The store's schema version, and its tables as SQLite creates them, without SQLAlchemy.

``schema`` describes the tables with SQLAlchemy (for every database, and for the migrations);
a training process that writes a local SQLite store (``sqlite_direct``) creates a new store with
``SQLITE_DDL`` instead, so it never imports SQLAlchemy. The statements are the ones SQLAlchemy's
``metadata.create_all`` issues for SQLite, in its order, character for character:
``tests/test_store_direct.py`` checks that both give the same ``sqlite_master``, and prints the
statements to paste here when ``schema`` changes (a new revision: see ``migrations``).
"""

from __future__ import annotations

# The revisions this autolog knows, oldest first; the last is the schema the tables describe.
KNOWN_VERSIONS = (
    "0001_initial",
    "0002_lifecycle_search",
    "0003_history_index",
    "0004_dataset_inputs",
    "0005_model_registry",
)
SCHEMA_VERSION = KNOWN_VERSIONS[-1]
VERSION_TABLE = "alembic_version"

SQLITE_DDL = (
    (
        "CREATE TABLE experiments (\n"
        "\texperiment_id INTEGER NOT NULL, \n"
        "\tname VARCHAR(256) NOT NULL, \n"
        "\tartifact_location TEXT NOT NULL, \n"
        "\tcreation_time BIGINT NOT NULL, \n"
        "\tlifecycle_stage VARCHAR(32) DEFAULT 'active' NOT NULL, \n"
        "\tlast_update_time BIGINT, \n"
        "\tPRIMARY KEY (experiment_id), \n"
        "\tUNIQUE (name)\n"
        ")"
    ),
    (
        "CREATE TABLE registered_models (\n"
        "\tname VARCHAR(256) NOT NULL, \n"
        "\tcreation_time BIGINT NOT NULL, \n"
        "\tlast_updated_time BIGINT NOT NULL, \n"
        "\tdescription TEXT, \n"
        "\tPRIMARY KEY (name)\n"
        ")"
    ),
    "CREATE INDEX ix_registered_models_updated ON registered_models (last_updated_time)",
    (
        "CREATE TABLE experiment_tags (\n"
        "\texperiment_id INTEGER NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (experiment_id, "key"), \n'
        "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE runs (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        "\texperiment_id INTEGER NOT NULL, \n"
        "\trun_name VARCHAR(256) NOT NULL, \n"
        "\tstatus VARCHAR(16) NOT NULL, \n"
        "\tstart_time BIGINT NOT NULL, \n"
        "\tend_time BIGINT, \n"
        "\tartifact_uri TEXT NOT NULL, \n"
        "\tdeleted BOOLEAN NOT NULL, \n"
        "\tPRIMARY KEY (run_id), \n"
        "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
        ")"
    ),
    "CREATE INDEX ix_runs_experiment_start ON runs (experiment_id, start_time)",
    (
        "CREATE TABLE datasets (\n"
        "\tdataset_id VARCHAR(32) NOT NULL, \n"
        "\texperiment_id INTEGER NOT NULL, \n"
        "\tname VARCHAR(500) NOT NULL, \n"
        "\tdigest VARCHAR(64) NOT NULL, \n"
        "\tdataset_source_type VARCHAR(64) NOT NULL, \n"
        "\tdataset_source TEXT NOT NULL, \n"
        "\tdataset_schema TEXT, \n"
        "\tdataset_profile TEXT, \n"
        "\tPRIMARY KEY (dataset_id), \n"
        "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
        ")"
    ),
    "CREATE INDEX ix_datasets_digest ON datasets (digest)",
    "CREATE INDEX ix_datasets_name ON datasets (name)",
    (
        "CREATE TABLE registered_model_tags (\n"
        "\tname VARCHAR(256) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (name, "key"), \n'
        "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE model_versions (\n"
        "\tname VARCHAR(256) NOT NULL, \n"
        "\tversion INTEGER NOT NULL, \n"
        "\tcreation_time BIGINT NOT NULL, \n"
        "\tlast_updated_time BIGINT NOT NULL, \n"
        "\tdescription TEXT, \n"
        "\tuser_id VARCHAR(256), \n"
        "\tcurrent_stage VARCHAR(20) DEFAULT 'None' NOT NULL, \n"
        "\tsource TEXT NOT NULL, \n"
        "\tstorage_location TEXT NOT NULL, \n"
        "\trun_id VARCHAR(32), \n"
        "\trun_link TEXT, \n"
        "\tstatus VARCHAR(20) DEFAULT 'READY' NOT NULL, \n"
        "\tstatus_message TEXT, \n"
        "\tmodel_id VARCHAR(64), \n"
        "\tPRIMARY KEY (name, version), \n"
        "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n"
        ")"
    ),
    "CREATE INDEX ix_model_versions_run_id ON model_versions (run_id)",
    "CREATE INDEX ix_model_versions_model_id ON model_versions (model_id)",
    "CREATE INDEX ix_model_versions_updated ON model_versions (last_updated_time DESC, name, version DESC)",
    "CREATE INDEX ix_model_versions_name_updated ON model_versions (name, last_updated_time DESC, version DESC)",
    (
        "CREATE TABLE registered_model_aliases (\n"
        "\tname VARCHAR(256) NOT NULL, \n"
        "\talias VARCHAR(256) NOT NULL, \n"
        "\tversion INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (name, alias), \n"
        "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE logged_models (\n"
        "\tmodel_id VARCHAR(64) NOT NULL, \n"
        "\texperiment_id INTEGER NOT NULL, \n"
        "\tname VARCHAR(500) NOT NULL, \n"
        "\tartifact_location TEXT NOT NULL, \n"
        "\tcreation_time BIGINT NOT NULL, \n"
        "\tlast_updated_time BIGINT NOT NULL, \n"
        "\tmodel_type VARCHAR(500), \n"
        "\tsource_run_id VARCHAR(32), \n"
        "\tstatus VARCHAR(20) NOT NULL, \n"
        "\tstatus_message TEXT, \n"
        "\tlifecycle_stage VARCHAR(32) DEFAULT 'active' NOT NULL, \n"
        "\tPRIMARY KEY (model_id), \n"
        "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
        ")"
    ),
    "CREATE INDEX ix_logged_models_experiment_created ON logged_models (experiment_id, creation_time)",
    "CREATE INDEX ix_logged_models_source_run ON logged_models (source_run_id)",
    (
        "CREATE TABLE params (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (run_id, "key"), \n'
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE\n"
        ")"
    ),
    'CREATE INDEX ix_params_key_value ON params ("key", value, run_id)',
    (
        "CREATE TABLE tags (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (run_id, "key"), \n'
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE\n"
        ")"
    ),
    'CREATE INDEX ix_tags_key_value ON tags ("key", value, run_id)',
    (
        "CREATE TABLE metric_series (\n"
        "\tseries_id INTEGER NOT NULL, \n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tPRIMARY KEY (series_id), \n"
        '\tCONSTRAINT uq_metric_series_run_key UNIQUE (run_id, "key"), \n'
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE latest_metrics (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue FLOAT, \n"
        "\ttimestamp BIGINT NOT NULL, \n"
        "\tstep BIGINT NOT NULL, \n"
        '\tPRIMARY KEY (run_id, "key"), \n'
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE\n"
        ")"
    ),
    'CREATE INDEX ix_latest_metrics_key_value ON latest_metrics ("key", value, run_id)',
    (
        "CREATE TABLE run_inputs (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        "\tdataset_id VARCHAR(32) NOT NULL, \n"
        "\tPRIMARY KEY (run_id, dataset_id), \n"
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(dataset_id) REFERENCES datasets (dataset_id) ON DELETE CASCADE\n"
        ")"
    ),
    "CREATE INDEX ix_run_inputs_dataset ON run_inputs (dataset_id, run_id)",
    (
        "CREATE TABLE model_version_tags (\n"
        "\tname VARCHAR(256) NOT NULL, \n"
        "\tversion INTEGER NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (name, version, "key"), \n'
        "\tFOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE logged_model_tags (\n"
        "\tmodel_id VARCHAR(64) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (model_id, "key"), \n'
        "\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE logged_model_params (\n"
        "\tmodel_id VARCHAR(64) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY (model_id, "key"), \n'
        "\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE logged_model_metrics (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tmodel_id VARCHAR(64) NOT NULL, \n"
        '\t"key" VARCHAR(250) NOT NULL, \n'
        "\tvalue FLOAT, \n"
        "\ttimestamp BIGINT NOT NULL, \n"
        "\tstep BIGINT NOT NULL, \n"
        "\trun_id VARCHAR(32), \n"
        "\tdataset_name VARCHAR(500), \n"
        "\tdataset_digest VARCHAR(64), \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n"
        ")"
    ),
    'CREATE INDEX ix_logged_model_metrics_model_key ON logged_model_metrics (model_id, "key")',
    (
        "CREATE TABLE run_model_outputs (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        "\tmodel_id VARCHAR(64) NOT NULL, \n"
        "\tstep BIGINT DEFAULT '0' NOT NULL, \n"
        "\tPRIMARY KEY (run_id, model_id), \n"
        "\tFOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n"
        ")"
    ),
    (
        "CREATE TABLE metrics (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tseries_id INTEGER NOT NULL, \n"
        "\tvalue FLOAT, \n"
        "\ttimestamp BIGINT NOT NULL, \n"
        "\tstep BIGINT NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(series_id) REFERENCES metric_series (series_id) ON DELETE CASCADE\n"
        ")"
    ),
    "CREATE INDEX ix_metrics_series_step_time ON metrics (series_id, step, timestamp)",
    (
        "CREATE TABLE input_tags (\n"
        "\trun_id VARCHAR(32) NOT NULL, \n"
        "\tdataset_id VARCHAR(32) NOT NULL, \n"
        '\t"key" VARCHAR(255) NOT NULL, \n'
        "\tvalue VARCHAR(500) NOT NULL, \n"
        '\tPRIMARY KEY (run_id, dataset_id, "key"), \n'
        "\tFOREIGN KEY(run_id, dataset_id) REFERENCES run_inputs (run_id, dataset_id) ON DELETE CASCADE\n"
        ")"
    ),
    'CREATE INDEX ix_input_tags_key_value ON input_tags ("key", value)',
    ("CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (version_num)\n)"),
)
