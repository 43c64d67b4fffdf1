# shellcheck shell=bash
# Shared helpers for the scripts in this directory. Source it, do not run it.
#
# Everything the scripts agree on lives here so that the test harness, the
# demo and CI talk to the same PostgreSQL role and find Odoo the same way:
#   - where the repository is (COMPLAINTS_REPO_ROOT),
#   - PostgreSQL connection settings (env overrides, see README),
#   - how Odoo 18 is located ($ODOO_BIN, else `odoo` on PATH),
#   - the db connection flags passed to every Odoo command.

# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
if [[ -n "${_COMPLAINTS_LIB_SOURCED:-}" ]]; then
    return 0
fi
_COMPLAINTS_LIB_SOURCED=1

COMPLAINTS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPLAINTS_SCRIPTS_DIR="$COMPLAINTS_REPO_ROOT/scripts"

# PostgreSQL connection. The Python test harness (tests/odoo_harness/runner.py)
# reads the same variables with the same defaults; keep the two in step.
COMPLAINTS_PG_HOST="${COMPLAINTS_PG_HOST:-${PGHOST:-127.0.0.1}}"
COMPLAINTS_PG_PORT="${COMPLAINTS_PG_PORT:-${PGPORT:-5432}}"
COMPLAINTS_PG_USER="${COMPLAINTS_PG_USER:-odoo}"
COMPLAINTS_PG_PASSWORD="${COMPLAINTS_PG_PASSWORD:-odoo}"
export COMPLAINTS_PG_HOST COMPLAINTS_PG_PORT COMPLAINTS_PG_USER COMPLAINTS_PG_PASSWORD

# The one place that spells out how Odoo reaches the database.
ODOO_DB_FLAGS=(
    --db_host "$COMPLAINTS_PG_HOST"
    --db_port "$COMPLAINTS_PG_PORT"
    --db_user "$COMPLAINTS_PG_USER"
    --db_password "$COMPLAINTS_PG_PASSWORD"
)

complaints_log() { printf '%s\n' "$*" >&2; }
complaints_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# How to get Odoo, printed whenever it cannot be found.
complaints_odoo_help() {
    cat >&2 <<'EOF'
Odoo 18 was not found. This project does not ship or download Odoo; provide it
in one of these ways:
  * install the official Odoo 18.0 Community package (it puts `odoo` on PATH
    and its odoo/addons contains the standard addons), or
  * set ODOO_BIN to an Odoo 18 `odoo-bin` (or a wrapper script that runs it
    with a Python that has Odoo's requirements) whose odoo/addons directory
    contains the standard addons, e.g.
        export ODOO_BIN=$HOME/odoo-18.0/odoo-bin
EOF
}

# Print the Odoo executable to use: $ODOO_BIN if set, else `odoo` on PATH.
# Returns 1 (printing nothing) when there is none.
complaints_find_odoo() {
    if [[ -n "${ODOO_BIN:-}" ]]; then
        if [[ -f "$ODOO_BIN" && -x "$ODOO_BIN" ]]; then
            printf '%s\n' "$ODOO_BIN"
            return 0
        fi
        complaints_log "ODOO_BIN is set to '$ODOO_BIN' but that is not an executable file."
        return 1
    fi
    local found
    if found="$(command -v odoo 2>/dev/null)"; then
        printf '%s\n' "$found"
        return 0
    fi
    return 1
}

# Fail unless "$1 --version" reports Odoo 18.
complaints_check_odoo_version() {
    local odoo_bin="$1" version
    version="$("$odoo_bin" --version 2>/dev/null || true)"
    if [[ "$version" != *"Odoo Server 18."* ]]; then
        complaints_die "'$odoo_bin --version' printed '${version:-nothing}', expected 'Odoo Server 18.x'. This addon targets Odoo 18."
    fi
}

# Run psql against the configured server as the project role (not postgres),
# with any extra arguments. Used for small catalog queries.
complaints_psql() {
    PGPASSWORD="$COMPLAINTS_PG_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
        -h "$COMPLAINTS_PG_HOST" -p "$COMPLAINTS_PG_PORT" -U "$COMPLAINTS_PG_USER" "$@"
}

# Install Debian packages that the project needs on this machine, but only
# when allowed: CI=true, or the given opt-in variable set to 1, as root.
# Usage: complaints_auto_install OPT_IN_VAR "what it is" package...
# Returns 1 (printing why) when it may not or cannot install.
complaints_auto_install() {
    local opt_in_var="$1" what="$2"
    shift 2
    local auto="${!opt_in_var:-}"
    [[ -z "$auto" && "${CI:-}" == "true" ]] && auto=1
    if [[ "$auto" != 1 || "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        complaints_log "$what is not installed. Install it (Debian, as root: apt-get update && apt-get install $*), or set $opt_in_var=1 to let the scripts do that when run as root."
        return 1
    fi
    complaints_log "installing $what (Debian packages: $*)"
    local apt_log
    apt_log="$(mktemp)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >"$apt_log" 2>&1; then
        complaints_log "apt-get install $* failed:
$(tail -n 30 "$apt_log")"
        rm -f "$apt_log"
        return 1
    fi
    rm -f "$apt_log"
}

# Create or refresh the virtualenv with the sync agent and its test extras:
# ${COMPLAINTS_VENV:-<repo>/.venv}, made with ${PYTHON:-python3}. Prints the
# virtualenv's path; progress goes to stderr, prefixed with $1 (the caller).
# Reinstalls when pyproject.toml changed, or when the editable install does
# not point at this checkout (e.g. the clone was moved).
complaints_ensure_venv() {
    local who="$1"
    local repo="$COMPLAINTS_REPO_ROOT"
    local venv="${COMPLAINTS_VENV:-$repo/.venv}"
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || complaints_die "'$python' not found; set PYTHON to a Python >= 3.10 interpreter."
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || complaints_die "'$python' is $("$python" --version 2>&1); the project needs Python >= 3.10 (set PYTHON)."
    if [[ ! -x "$venv/bin/python" ]]; then
        complaints_log "$who: creating virtualenv $venv"
        "$python" -m venv "$venv" >&2 || complaints_die "could not create a virtualenv with '$python -m venv $venv' (Debian: apt-get install python3-venv)."
    fi
    local stamp="$venv/.complaints-install-stamp" want have installed_at
    want="$(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    installed_at="$( (cd / && "$venv/bin/python" -c 'import sync_agent; print(sync_agent.__file__)') 2>/dev/null || true)"
    if [[ "$have" != "$want" || "$installed_at" != "$repo/sync_agent/__init__.py" ]]; then
        complaints_log "$who: installing the project into $venv (pip install -e '.[test]')"
        "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -e "${repo}[test]" >&2 \
            || complaints_die "pip install -e '${repo}[test]' failed (see the output above)."
        printf '%s\n' "$want" >"$stamp"
    fi
    printf '%s\n' "$venv"
}
