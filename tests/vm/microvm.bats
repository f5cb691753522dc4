#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# tests/vm/microvm.bats - skiff's microVM mode (issue 5).
# Runs INSIDE the VM harness (nested /dev/kvm):
#   tests/vm/run bats --tap tests/vm/microvm.bats
#
# The guest kernel comes from tests/vm/cache/microvm/ (Debian's 6.1 cloud
# kernel, fetched on the host by microvm/guest/get-kernel.sh); the
# vmlinux there is preferred over the vmlinuz.  The first group drives
# build/skiff-vmm-test (the VMM alone); the second `skiff run --vm`.
#
# A whole run takes about 150 s; tests/vm/check gives its VM at most:
# vm-timeout: 600

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || return 0
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# one idle KVM VM for the whole file (tests/vm/kvm-keepalive.py says why)
	if [ -c /dev/kvm ]; then
		python3 "$REPO/tests/vm/kvm-keepalive.py" > "$BATS_FILE_TMPDIR/keepalive" 2>&1 3>&- &
		echo $! > "$BATS_FILE_TMPDIR/keepalive.pid"
		for _ in $(seq 100); do grep -q ready "$BATS_FILE_TMPDIR/keepalive" && break; sleep 0.1; done
	fi
	local r=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/mnt" "$r/proc" "$r/sys" "$r/dev" "$r/root"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh echo cat sleep true false hostname pwd env id ls grep nproc dd head \
		wc free df rm mkdir seq mount; do
		ln -s busybox "$r/bin/$a"
	done
	local k
	k=$(ls "$REPO"/tests/vm/cache/microvm/vmlinux-* 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] || k=$(ls "$REPO"/tests/vm/cache/microvm/vmlinuz-* 2>/dev/null | sort -V | tail -1)
	[ -z "$k" ] || cp "$k" "$BATS_FILE_TMPDIR/${k##*/}"
	# its virtio-fs modules beside it: `run --vm` shares the rootfs
	# through virtiofsd (tests/vm/microvm-virtiofs.bats)
	[ -z "$k" ] || cp -a "${k%/*}/modules-${k##*/vmlinu[xz]-}" "$BATS_FILE_TMPDIR/" 2>/dev/null || true
	echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
	echo 'root:x:0:' > "$r/etc/group"
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	[ -c /dev/kvm ] || skip "no /dev/kvm"
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	SKIFF=${SKIFF:-$REPO/build/skiff}
	case $SKIFF in /*) ;; *) SKIFF=$REPO/$SKIFF ;; esac
	VMM=${SKIFF_VMM_TEST:-$(dirname "$SKIFF")/skiff-vmm-test}
	# a copy on tmpfs (the repository is on slow 9p in the test VM)
	KERNEL=$(ls "$BATS_FILE_TMPDIR"/vmlinu[xz]-* 2>/dev/null | head -1)
	[ -n "$KERNEL" ] || skip "no guest kernel in tests/vm/cache/microvm (run microvm/guest/get-kernel.sh)"
	ROOTFS=$BATS_FILE_TMPDIR/rootfs
	CACHE=$BATS_TEST_TMPDIR/cache
}

# vmm [tool options] -- ARGS: the VMM alone, bounded in time.
vmm() {
	timeout -k 5 120 "$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -t 90 "$@"
}

need_vmm() {
	[ -x "$VMM" ] || skip "$VMM not built (make -f Makefile -f microvm/guest/guest.mk)"
}

@test "vmm: output and exit status 42 come back" {
	need_vmm
	run vmm -- /bin/sh -c 'echo hello from the guest; exit 42'
	echo "$output"
	[ "$status" -eq 42 ]
	[ "$output" = "hello from the guest" ]
}

@test "vmm: args, env, cwd, hostname, user; stderr apart from stdout" {
	need_vmm
	vmm -e FOO=bar -e PATH=/bin -w /tmp -H vmhost -u 1000:100 -- /bin/sh -c \
		'echo "$FOO|$(pwd)|$(hostname)|$(id -u):$(id -g)|$#|$1 $2"; echo to-stderr >&2' \
		argv0 'two words' x >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "bar|/tmp|vmhost|1000:100|2|two words x" ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = to-stderr ]
}

@test "vmm: stdin reaches the process and its end is seen" {
	need_vmm
	run bash -c "printf 'a\nb\nc\n' | timeout -k 5 120 $(printf %q "$VMM") -k $KERNEL -r $ROOTFS -C $CACHE -t 90 -- /bin/sh -c 'n=0; while read x; do n=\$((n+1)); echo \"got \$x\"; done; echo n=\$n'"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "got a
got b
got c
n=3" ]
}

@test "vmm: a missing program is exit 127 with a message" {
	need_vmm
	run -127 vmm -- /bin/nonexistent
	[ "$status" -eq 127 ]
	[[ "$output" == *"/bin/nonexistent"* ]]
}

@test "vmm: two vCPUs boot with ACPI, each thread pinned to a CPU of the cpuset" {
	need_vmm
	"$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -t 90 -c 2 -s 0-1 -- /bin/sh -c \
		'grep -c ^processor /proc/cpuinfo; sleep 600' >"$BATS_TEST_TMPDIR/out" &
	local pid=$! i
	for i in $(seq 300); do
		[ -s "$BATS_TEST_TMPDIR/out" ] && break
		sleep 0.2
	done
	local lists
	lists=$(grep -h '^Cpus_allowed_list' /proc/$pid/task/*/status | awk '{print $2}' | sort | tr '\n' ' ')
	kill -KILL $pid
	wait $pid || true
	echo "cpus=$(cat "$BATS_TEST_TMPDIR/out") lists=$lists"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 2 ]
	[[ " $lists" == *" 0 "*" 1 "* ]]
}

@test "vmm: SIGTERM is forwarded and ends a guest running sleep 1000" {
	need_vmm
	# timeout passes SIGTERM on to the VMM alone (--foreground: not to its
	# process group as well), and SIGKILLs it 30 s later
	timeout --foreground -k 30 150 "$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -t 90 -- /bin/sh -c \
		'trap "echo got TERM; exit 7" TERM; echo armed; sleep 1000 & wait' >"$BATS_TEST_TMPDIR/out" &
	local pid=$! i
	for i in $(seq 400); do
		grep -q armed "$BATS_TEST_TMPDIR/out" && break
		sleep 0.2
	done
	kill -TERM $pid
	local st=0
	wait $pid || st=$?
	echo "status=$st out=$(cat "$BATS_TEST_TMPDIR/out")"
	[ "$st" -eq 7 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "armed
got TERM" ]
}

@test "vmm: every forwardable signal reaches the guest's process (SIGALRM, SIGUSR1), with default dispositions" {
	need_vmm
	local sig st
	for sig in ALRM USR1; do
		# the VMM itself gets the signal (under coreutils' timeout, SIGALRM
		# would be timeout's own timer): -t 90 bounds it instead
		"$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -t 90 -- /bin/sh -c \
			"grep ^SigIgn /proc/self/status; trap 'echo got $sig; exit 7' $sig; echo armed; sleep 1000 & wait" \
			>"$BATS_TEST_TMPDIR/out" &
		local pid=$! i
		for i in $(seq 400); do
			grep -q armed "$BATS_TEST_TMPDIR/out" && break
			sleep 0.2
		done
		kill -"$sig" $pid
		st=0
		wait $pid || st=$?
		echo "$sig: status=$st out=$(cat "$BATS_TEST_TMPDIR/out")"
		# before: SIGALRM was not forwarded and ended the VMM itself (142)
		[ "$st" -eq 7 ]
		[ "$(cat "$BATS_TEST_TMPDIR/out")" = "SigIgn:	0000000000000000
armed
got $sig" ]
	done
}

@test "vmm: SIGKILL ends the VMM at once and leaves nothing" {
	need_vmm
	"$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -- /bin/sleep 1000 &
	local pid=$! i
	for i in $(seq 100); do
		[ "$(ls /proc/$pid/task 2>/dev/null | wc -l)" -ge 2 ] && break
		sleep 0.2
	done
	kill -KILL $pid
	local st=0
	wait $pid || st=$?
	[ "$st" -eq 137 ]
	run ! kill -0 $pid
}

@test "vmm: a hung guest ends at the timeout with a clear status" {
	need_vmm
	run timeout -k 5 120 "$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -t 8 -- /bin/sleep 1000
	echo "$output"
	[ "$status" -eq 255 ]
	[[ "$output" == *"skiff: microvm: timeout after 8 s"* ]]
}

@test "vmm: a kernel panic ends the VM with a clear status" {
	need_vmm
	run vmm -x rdinit=/nonexistent -- /bin/true
	echo "$output"
	[ "$status" -eq 255 ]
	[[ "$output" == *"skiff: microvm: guest kernel panicked"* ]]
}

@test "vmm: bad kernel path, garbage kernel file, too little memory: clear errors" {
	need_vmm
	run timeout -k 5 30 "$VMM" -k /nonexistent/vmlinuz -r "$ROOTFS" -C "$CACHE" -- /bin/true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"org.skiff.vm.kernel"*"/nonexistent/vmlinuz"*"No such file"* ]]
	head -c 100000 /dev/urandom > "$BATS_TEST_TMPDIR/vmlinuz-junk"
	run timeout -k 5 30 "$VMM" -k "$BATS_TEST_TMPDIR/vmlinuz-junk" -r "$ROOTFS" -C "$CACHE" -- /bin/true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a Linux kernel"* ]]
	run timeout -k 5 30 "$VMM" -k "$KERNEL" -r "$ROOTFS" -C "$CACHE" -m 64 -- /bin/true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"memory limit 64 MiB too small"* ]]
}

@test "vmm: the initramfs is cached and reused; no temporary file is left" {
	need_vmm
	run vmm -- /bin/true
	[ "$status" -eq 0 ]
	local f1
	f1=$(ls "$CACHE"/microvm/initrd-*.cpio)
	[ -n "$f1" ]
	local m1
	m1=$(stat -c %Y.%i "$f1")
	run vmm -- /bin/true
	[ "$status" -eq 0 ]
	[ "$(ls "$CACHE"/microvm/ | wc -l)" -eq 1 ]
	[ "$(stat -c %Y.%i "$f1")" = "$m1" ]
	[ -z "$(ls -a "$CACHE"/microvm/ | grep tmp)" ]
}

@test "vmm: its own seccomp filter does not get in the way" {
	need_vmm
	run vmm -S -- /bin/sh -c 'echo filtered; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = filtered ]
}

@test "vmm: the guest filling its RAM does not get the VMM OOM-killed in its cgroup" {
	need_vmm
	local cg=/sys/fs/cgroup/skiff-test-microvm-$$
	mkdir "$cg"
	echo $((256 * 1024 * 1024)) > "$cg/memory.max"
	echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
	run bash -c "echo \$\$ > $cg/cgroup.procs; exec timeout -k 5 120 $(printf %q "$VMM") -k $KERNEL -r $ROOTFS -C $CACHE -t 90 -- /bin/sh -c 'mount -t tmpfs -o size=100% fill /mnt && dd if=/dev/zero of=/mnt/fill bs=1M count=1000 2>/dev/null; echo survived'"
	local oom
	oom=$(awk '$1 == "oom_kill" {print $2}' "$cg/memory.events")
	local peak
	peak=$(cat "$cg/memory.peak" 2>/dev/null || echo 0)
	rmdir "$cg"
	echo "status=$status oom_kill=$oom peak=$peak limit=$((256 << 20)) output=$output"
	[ "$oom" = 0 ]
	[[ "$output" == *survived* ]]
	[ "$status" -eq 0 ]
}

# ------------------------------------------------ through skiff run --vm

vm_run_supported() {
	[ -x "$SKIFF" ] || skip "no skiff binary"
	# the VMM is linked in once skiff calls sk_vm_run
	grep -q 'microvm: KVM_CREATE_VM' "$SKIFF" || skip "skiff run --vm not wired to microvm/ yet"
}

# vm_bundle DIR ARGS...: a bundle running ARGS with the busybox rootfs.
vm_bundle() {
	local d=$1
	shift
	mkdir -p "$d"
	cp -a "$ROOTFS" "$d/rootfs"
	(cd "$d" && "$SKIFF" spec)
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" --arg k "$KERNEL" \
		'.process.args = $a | .process.terminal = false |
		 .annotations["org.skiff.vm.kernel"] = $k | .annotations["org.skiff.vm.timeout"] = "90"' \
		"$d/config.json" > "$d/config.json.new"
	mv "$d/config.json.new" "$d/config.json"
}

# cfg BUNDLE JQ-FILTER: edit a bundle's config.json
cfg() {
	jq "$2" "$1/config.json" > "$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

# sk ARGS...: skiff on this test's state root, bounded in time
sk() {
	timeout -k 5 120 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" "$@"
}

# vm_run_expect RC OUTPUT ARGS...: `sk run ARGS` exits with RC and prints
# exactly OUTPUT on stdout.
vm_run_expect() {
	local rc=$1 out=$2
	shift 2
	run --separate-stderr sk run "$@"
	echo "$output"
	[ "$status" -eq "$rc" ]
	[ "$output" = "$out" ]
}

# cgroup_of PID: the cgroup2 directory of a process
cgroup_of() {
	echo "/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' /proc/$1/cgroup)"
}

# nothing_left ID [CGROUP]: no state, no process naming ID, no cgroup, no
# temporary file of the initramfs cache, nothing named after ID in /tmp or /run
nothing_left() {
	local id=$1 cg=${2:-} i
	if [ -e "$BATS_TEST_TMPDIR/state/$id" ]; then
		echo "state left: $(ls -la "$BATS_TEST_TMPDIR/state/$id")"
		return 1
	fi
	for i in $(seq 50); do
		pgrep -f -- "$id" >/dev/null || break
		sleep 0.1
	done
	if pgrep -af -- "$id"; then
		echo "process left"
		return 1
	fi
	if [ -n "$cg" ] && [ -e "$cg" ]; then
		echo "cgroup left: $cg"
		return 1
	fi
	if ls -a "$BATS_TEST_TMPDIR/state/vm-cache/microvm" 2>/dev/null | grep -q tmp; then
		echo "temporary file left in the initramfs cache"
		return 1
	fi
	if ls -a /tmp /run 2>/dev/null | grep -qF -- "$id"; then
		echo "file named after $id left in /tmp or /run"
		return 1
	fi
}

teardown() {
	[ -d "${BATS_TEST_TMPDIR:-}/state" ] || return 0
	local id
	for id in $("$SKIFF" --root "$BATS_TEST_TMPDIR/state" list -q 2>/dev/null); do
		timeout -k 5 60 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" delete --force "$id" || true
	done
}

@test "run --vm: output and exit status 42" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'echo vm says hi; exit 42'
	vm_run_expect 42 "vm says hi" --vm -b "$BATS_TEST_TMPDIR/b" vm42-$$
}

@test "run --vm: args, env, cwd and hostname" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'echo "$FOO|$(pwd)|$(hostname)"'
	cfg "$BATS_TEST_TMPDIR/b" '.process.env += ["FOO=bar"] | .process.cwd = "/tmp" | .hostname = "vmbox"'
	vm_run_expect 0 "bar|/tmp|vmbox" --vm -b "$BATS_TEST_TMPDIR/b" vmenv-$$
}

@test "run --vm: org.skiff.vm=true annotation selects the VM (its / the rootfs over virtio-fs)" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'grep -q rdinit=/.skiff/init /proc/cmdline && grep -q "^rootfs / virtiofs" /proc/mounts && echo in-vm'
	cfg "$BATS_TEST_TMPDIR/b" '.annotations["org.skiff.vm"] = "true"'
	vm_run_expect 0 in-vm -b "$BATS_TEST_TMPDIR/b" vmann-$$
}

@test "run --vm: a memory limit is enforced on the VMM's cgroup" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null; free -m | head -2'
	cfg "$BATS_TEST_TMPDIR/b" '.linux.resources.memory.limit = 268435456'
	local id=vmmem-$$
	timeout -k 5 120 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" create --vm -b "$BATS_TEST_TMPDIR/b" $id
	local pid
	pid=$(sk state $id | jq -r .pid)
	local cg
	cg=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' /proc/$pid/cgroup)
	[ "$(cat "$cg/memory.max")" = 268435456 ]
	sk delete --force $id
}

@test "run --vm: kill ends a guest running sleep 1000; delete leaves nothing" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'echo started; exec sleep 1000'
	local id=vmkill-$$
	sk run -d --vm -b "$BATS_TEST_TMPDIR/b" $id >"$BATS_TEST_TMPDIR/out"
	local pid cg i
	pid=$(sk state $id | jq -r .pid)
	cg=$(cgroup_of $pid)
	[ -d "$cg" ]
	for i in $(seq 300); do
		grep -q started "$BATS_TEST_TMPDIR/out" && break
		sleep 0.2
	done
	grep -q started "$BATS_TEST_TMPDIR/out"
	sk kill $id TERM
	for i in $(seq 300); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	run ! kill -0 $pid
	[ "$(sk state $id | jq -r .status)" = stopped ]
	sk delete $id
	nothing_left $id "$cg"
}

@test "run --vm: piped stdin reaches the process and its end is seen" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'n=0; while read x; do n=$((n+1)); echo "got $x"; done; echo n=$n; exit 4'
	local id=vmstdin-$$
	run --separate-stderr bash -c "printf 'one\ntwo words\nthree\n' | timeout -k 5 120 $(printf %q "$SKIFF") --root $(printf %q "$BATS_TEST_TMPDIR/state") run --vm -b $(printf %q "$BATS_TEST_TMPDIR/b") $id"
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 4 ]
	[ "$output" = "got one
got two words
got three
n=3" ]
	nothing_left $id
}

@test "run --vm with process.terminal: a tty in the guest, input, output and exit status" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'tty; test -t 0 && echo stdin-is-a-tty; read x; echo "got:$x:"; exit 3'
	cfg "$BATS_TEST_TMPDIR/b" '.process.terminal = true'
	local id=vmtty-$$
	run timeout -k 5 180 python3 "$REPO/tests/bats/tools/ptyrun.py" --timeout 150 \
		--expect stdin-is-a-tty --send 'typed words' \
		"$SKIFF" --root "$BATS_TEST_TMPDIR/state" run --vm -b "$BATS_TEST_TMPDIR/b" $id
	output=${output//$'\r'/}
	echo "status=$status output=$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"/dev/ttyS0"* ]]
	[[ "$output" == *"stdin-is-a-tty"* ]]
	[[ "$output" == *"got:typed words:"* ]]
	nothing_left $id
}

@test "run --vm: a guest kernel crash is status 255 with a message; delete leaves nothing" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'echo crashing; echo c > /proc/sysrq-trigger; sleep 1000'
	local id=vmcrash-$$
	sk run -d --vm -b "$BATS_TEST_TMPDIR/b" $id >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	local pid cg i
	pid=$(sk state $id | jq -r .pid)
	cg=$(cgroup_of $pid)
	for i in $(seq 600); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	run ! kill -0 $pid
	[ "$(sk state $id | jq -r .status)" = stopped ]
	grep -q crashing "$BATS_TEST_TMPDIR/out"
	grep -q 'skiff: microvm: guest kernel panicked' "$BATS_TEST_TMPDIR/err"
	sk delete $id
	nothing_left $id "$cg"
}

@test "run --vm: the foreground run of a crashing guest exits 255 and removes the container" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c 'echo c > /proc/sysrq-trigger; sleep 1000'
	local id=vmcrash2-$$
	run --separate-stderr sk run --vm -b "$BATS_TEST_TMPDIR/b" $id
	echo "status=$status err=$stderr"
	[ "$status" -eq 255 ]
	[[ "$stderr" == *"skiff: microvm: guest kernel panicked"* ]]
	nothing_left $id
}

@test "run --vm: bad kernel path, garbage kernel, too little memory are clear errors" {
	vm_run_supported
	vm_bundle "$BATS_TEST_TMPDIR/b" /bin/true
	local c=$BATS_TEST_TMPDIR/b/config.json
	jq '.annotations["org.skiff.vm.kernel"] = "/nonexistent/vmlinuz"' "$c" > "$c.1"
	cp "$c.1" "$c"
	run --separate-stderr timeout -k 5 60 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" run --vm -b "$BATS_TEST_TMPDIR/b" vmbad1-$$
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"/nonexistent/vmlinuz"* ]]
	head -c 100000 /dev/urandom > "$BATS_TEST_TMPDIR/junk"
	jq --arg k "$BATS_TEST_TMPDIR/junk" '.annotations["org.skiff.vm.kernel"] = $k' "$c" > "$c.1"
	cp "$c.1" "$c"
	run --separate-stderr timeout -k 5 60 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" run --vm -b "$BATS_TEST_TMPDIR/b" vmbad2-$$
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"not a Linux kernel"* ]]
	jq --arg k "$KERNEL" '.annotations["org.skiff.vm.kernel"] = $k | .linux.resources.memory.limit = 67108864' "$c" > "$c.1"
	cp "$c.1" "$c"
	run --separate-stderr timeout -k 5 60 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" run --vm -b "$BATS_TEST_TMPDIR/b" vmbad3-$$
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"too small"* ]]
}

teardown_file() {
	[ -f "${BATS_FILE_TMPDIR:-}/keepalive.pid" ] || return 0
	kill "$(cat "$BATS_FILE_TMPDIR/keepalive.pid")" 2>/dev/null || true
}
