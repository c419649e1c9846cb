#!/usr/bin/env bash
# Instructions executed by `ssooidc token` and `ssooidc credentials` on a cache hit, and by
# `ssooidc --version` and `ssooidc --help`, for one or more builds of the binary, counted by
# valgrind (cachegrind, no cache simulation). Unlike wall time, the count is the same on a busy
# machine and an idle one, so two builds (say, the last release and the working tree) can be
# compared exactly.
#
#   tests/benches/cli_instructions.sh [--check MAX_RATIO] [BINARY...]
#
# With no binary it builds and measures target/release/ssooidc. `--help` is printed from a text
# only by a program file named `ssooidc` (the help names the program): to compare builds, put
# each in its own directory under that name. The HOME it runs in is the one the criterion
# benchmark (adapters/cli/benches/token.rs) uses: a config with an sso-session profile, a token
# valid for 10 hours and role credentials valid for 10 hours, made in a new temporary directory
# that is removed at the end. Two floors are measured in the same run: `true` (what starting any
# process costs) and a Rust hello world built here in release (what starting a Rust program
# costs); each command's ratio to both is printed.
#
# Every process measured runs in the same fixed environment (below: the 26 variables of a
# typical login shell), not the caller's: the start-up of glibc, of Rust and of ssooidc (which
# reads the whole environment) each cost more per variable, so a count measured in a CI job's
# environment would not be a count measured elsewhere.
#
# --check MAX_RATIO (CI): exit 1 when a binary's stripped size passes 5,000,000 bytes, a cache
# hit passes MAX_RATIO times the hello world, or `--version` or `--help` costs more than a cache
# hit. The counts are deterministic for a binary, so the check cannot flake.
set -euo pipefail

max_ratio=""
if [[ ${1:-} == --check ]]; then
    max_ratio=${2:?--check needs a ratio}
    shift 2
fi

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind is needed (Debian: apt-get install valgrind)" >&2
    exit 1
fi
cd "$(dirname "$0")/../.."

if [[ $# -eq 0 ]]; then
    cargo build --release -p ssooidc-cli >&2
    set -- "${CARGO_TARGET_DIR:-target}/release/ssooidc"
fi

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

# The hello world floor: `cargo new`'s program, built in release with this toolchain.
(cd "$home" && cargo new -q --vcs none hello && cd hello && cargo build -q --release) >&2
mkdir -p "$home/.aws/sso/cache" "$home/.aws/cli/cache"
chmod 700 "$home/.aws/sso/cache" "$home/.aws/cli/cache"
cat >"$home/.aws/config" <<'EOF'
[profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly

[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
EOF
expires=$(date -u -d '+10 hours' +%Y-%m-%dT%H:%M:%SZ)
# The file names are the AWS CLI's cache keys: SHA-1 of the session name, and of the role
# credentials' key (docs/protocol/caches.md).
token_key=$(printf '%s' 'my-sso' | sha1sum | cut -d' ' -f1)
creds_key=$(printf '%s' '{"accountId":"111122223333","roleName":"ReadOnly","sessionName":"my-sso"}' | sha1sum | cut -d' ' -f1)
cat >"$home/.aws/sso/cache/$token_key.json" <<EOF
{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAAGexample", "expiresAt": "$expires", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2030-01-01T00:00:00Z", "refreshToken": "rt"}
EOF
cat >"$home/.aws/cli/cache/$creds_key.json" <<EOF
{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLEEXAMPLE12", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE+/=", "Expiration": "$expires", "AccountId": "111122223333"}}
EOF
chmod 600 "$home"/.aws/sso/cache/*.json "$home"/.aws/cli/cache/*.json

# The environment of every measured process: a login shell's, with HOME the test home.
environment=(
    HOME="$home"
    PATH=/usr/local/bin:/usr/bin:/bin
    SHELL=/bin/bash
    TERM=xterm-256color
    COLORTERM=truecolor
    LANG=C.UTF-8
    USER=user
    LOGNAME=user
    HOSTNAME=devbox
    PWD=/home/user/src/project
    OLDPWD=/home/user
    SHLVL=1
    MAIL=/var/mail/user
    EDITOR=vi
    PAGER=less
    LESS=-R
    HISTSIZE=1000
    HISTCONTROL=ignoredups
    XDG_RUNTIME_DIR=/run/user/1000
    XDG_SESSION_TYPE=tty
    XDG_SESSION_ID=3
    XDG_DATA_DIRS=/usr/local/share:/usr/share
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus
    SSH_AUTH_SOCK=/run/user/1000/ssh-agent.socket
    LS_COLORS='rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:cd=40;33;01:or=40;31;01:mi=00:su=37;41:sg=30;43:ca=00:tw=30;42:ow=34;42:st=37;44:ex=01;32:*.tar=01;31:*.tgz=01;31:*.zip=01;31:*.gz=01;31'
    _=/usr/bin/env
)
valgrind=$(command -v valgrind)

count() {
    # The total of the "I refs" line, without separators.
    env -i "${environment[@]}" "$valgrind" --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ','
}

floor=$(count /bin/true)
hello=$(count "$home/hello/target/release/hello")
failed=0
echo "| binary | command | instructions | ratio to \`true\` ($floor) | ratio to a hello world ($hello) |"
echo "|---|---|---|---|---|"
for bin in "$@"; do
    size=$(stat -c %s "$bin")
    if [[ -n $max_ratio && $size -gt 5000000 ]]; then
        echo "$bin: $size bytes, over the 5,000,000-byte limit" >&2
        failed=1
    fi
    cheapest_hit=""
    for command in token credentials --version --help; do
        args=("$command")
        [[ $command == -* ]] || args+=(--profile dev)
        out=$(env -i "${environment[@]}" "$bin" "${args[@]}") || {
            echo "$bin ${args[*]} failed" >&2
            exit 1
        }
        [[ -n $out ]] || { echo "$bin ${args[*]} printed nothing" >&2; exit 1; }
        n=$(count "$bin" "${args[@]}")
        ratio=$(awk -v n="$n" -v f="$hello" 'BEGIN { printf "%.2f", n / f }')
        echo "| $bin | ${args[*]} | $n | $(awk -v n="$n" -v f="$floor" 'BEGIN { printf "%.1fx", n / f }') | ${ratio}x |"
        if [[ $command != -* ]]; then
            if [[ -z $cheapest_hit || $n -lt $cheapest_hit ]]; then cheapest_hit=$n; fi
            if [[ -n $max_ratio ]] && awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
                echo "$bin $command: ${ratio}x a hello world, over the ${max_ratio}x limit" >&2
                failed=1
            fi
        elif [[ -n $max_ratio && $n -gt $cheapest_hit ]]; then
            echo "$bin $command: $n instructions, more than a cache hit ($cheapest_hit)" >&2
            failed=1
        fi
    done
done
exit $failed
