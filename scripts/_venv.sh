# Sourced by the scripts: create $VENV and install the project (with $EXTRAS, and $PACKAGES beside it) under
# $CONSTRAINTS with the interpreter $PYTHON, once and again only when one of them changes. Defaults: .venv,
# the test extras, Airflow 3.3, python3.
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
EXTRAS="${EXTRAS-[test]}"
PACKAGES="${PACKAGES-}"
CONSTRAINTS="${CONSTRAINTS:-constraints/airflow-3.3.txt}"
STAMP="$VENV/.installed-pyproject"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if ! { cat pyproject.toml "$CONSTRAINTS"; echo "$EXTRAS $PACKAGES"; } | cmp -s - "$STAMP"; then
  echo "Installing airflow-provider-texter$EXTRAS $PACKAGES into $VENV with $CONSTRAINTS (about 2 minutes the first time)"
  # shellcheck disable=SC2086  # PACKAGES is a list of requirement names
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$CONSTRAINTS" -e ".$EXTRAS" $PACKAGES \
    > "$VENV/install.log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$VENV/install.log" | tail -40
    exit 1
  fi
  # The MySQL provider requires mysqlclient, which compiles against MariaDB's C headers (not on every
  # machine); its hook runs as well on the pure-Python mysql-connector-python from the test extras.
  if [[ "$EXTRAS" == *test* ]] && ! "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      "apache-airflow-providers-mysql>=6" >> "$VENV/install.log" 2>&1; then
    tail -20 "$VENV/install.log"
    exit 1
  fi
  { cat pyproject.toml "$CONSTRAINTS"; echo "$EXTRAS $PACKAGES"; } > "$STAMP"
fi
