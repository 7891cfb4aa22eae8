#!/usr/bin/env bash
# Starts a throwaway single-node Slurm cluster on loopback for tests and prints `export` lines
# for it (in the manner of pg-throwaway.sh).
#   eval "$(scripts/slurm-throwaway.sh start DIR)"   # munged + slurmctld + slurmd, config in DIR
#   scripts/slurm-throwaway.sh stop DIR              # cancel its jobs, stop the daemons, delete DIR
# Debian's `slurm-wlm` and `munge` are installed when missing (needs root and the apt mirror).
# The node is this machine (its CPUs and memory, from `slurmd -C`) with a count-only GRES
# `gpu:2` (two empty files stand in for the devices), so `--gres=gpu:1` is schedulable without
# a GPU. No cgroups, no accounting:
# `proctrack/linuxproc`, `task/none`. The partition oversubscribes (FORCE:4), so jobs may share
# this machine's few cores. A failed start tears down what it started.
set -euo pipefail

action=${1:?usage: slurm-throwaway.sh start|stop DIR}
dir=${2:?usage: slurm-throwaway.sh start|stop DIR}

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
    && command -v sbatch >/dev/null; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "slurm-wlm and munge are not installed and this is not root: apt-get install slurm-wlm munge" >&2
    exit 1
  fi
  echo "installing slurm-wlm and munge (apt-get)" >&2
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Kills the daemon whose pid file is $1, if it still runs, and waits for it to go.
stop_daemon() {
  local pidfile=$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop_cluster() {
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
    # Cancel every job of this cluster so their steps end with it, then wait (bounded).
    SLURM_CONF="$dir/slurm.conf" timeout 5 scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 30); do
      [ -z "$(SLURM_CONF="$dir/slurm.conf" timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_daemon "$dir/slurmd.pid"
  stop_daemon "$dir/slurmctld.pid"
  stop_daemon "$dir/munge/munged.pid"
}

write_config() {
  local host node ctld_port slurmd_port
  host=$(hostname -s)
  # This machine as slurmd sees it (CPUs, sockets, cores, memory), as one node on loopback.
  node=$(slurmd -C | head -1)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  cat >"$dir/slurm.conf" <<EOF
ClusterName=dfbench-throwaway
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
GresTypes=gpu
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
KillWait=10
SlurmdParameters=config_overrides
$node NodeAddr=127.0.0.1 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
  # Slurm 22.05 drops a GPU without a File, so the two "GPUs" are empty files in DIR.
  touch "$dir/gpu0" "$dir/gpu1"
  echo "NodeName=$host Name=gpu File=$dir/gpu[0-1] AutoDetect=off" >"$dir/gres.conf"
}

start_cluster() {
  install_packages
  mkdir -p "$dir"
  chmod 700 "$dir"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 700 "$dir/munge"
  trap 'stop_cluster; echo "slurm-throwaway: start failed; logs were in $dir" >&2' ERR
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" 2>"$dir/munge/start.log" \
    || { cat "$dir/munge/start.log" "$dir/munge/munged.log" >&2 2>/dev/null; false; }
  write_config
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" || { cat "$dir/slurmctld.log" >&2; false; }
  slurmd -f "$SLURM_CONF" || { cat "$dir/slurmd.log" >&2; false; }
  # Ready when the node is idle (it registered and is schedulable).
  local state="" deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ] && kill -0 "$(cat "$dir/slurmctld.pid" 2>/dev/null)" 2>/dev/null; do
    state=$(timeout 5 sinfo -h -N -o %T 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    echo "slurm-throwaway: the node did not become idle (state: ${state:-none})" >&2
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    false
  fi
  trap - ERR
  echo "export SLURM_CONF=$dir/slurm.conf"
  echo "export DFBENCH_SLURM_DIR=$dir"
}

case "$action" in
  start)
    start_cluster
    ;;
  stop)
    stop_cluster
    rm -rf "$dir"
    ;;
  *)
    echo "usage: slurm-throwaway.sh start|stop DIR" >&2
    exit 2
    ;;
esac
