#!/usr/bin/env python3
"""kvm-keepalive.py - hold one idle KVM VM (an in-kernel irqchip and one
vCPU that never runs) open until killed; prints "ready" once it exists.

Inside the test VM: kvm_create_lapic() raises the deferred static key
apic_sw_disabled and the guest enabling its APIC lowers it again, so every
nested VM otherwise makes the test VM's kernel live-patch its own code twice
(int3 + IPIs, text_poke_bp), which qemu's multi-threaded TCG now and then
freezes on (tests/vm/README.md).  With this VM's vCPU holding the key above
zero, creating and destroying the tests' VMs patches nothing."""
import fcntl
import os
import signal

KVM_CREATE_VM, KVM_CREATE_IRQCHIP, KVM_CREATE_VCPU = 0xAE01, 0xAE60, 0xAE41

kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
fcntl.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
print("ready", flush=True)
signal.pause()
