/*
 * Link names of the KVM model's internal functions. The sources keep
 * KVM's own vocabulary (kvm_mmu_load, kvm_free_roots, ...) so they read
 * like the kernel they model; the linker sees them as msim__kvm_*, so a
 * static link into a VMM or tool with its own kvm_* functions (QEMU,
 * kvmtool, ...) cannot clash. Included first by kvm_hooks.h. Generated
 * from `nm -g libmmu_sim.a`: a new internal kvm_* function goes here too
 * (tests/sh_symbols.sh checks that every exported symbol is msim_-prefixed).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_KVM_NAMES_H
#define MSIM_KVM_NAMES_H

#define kvm_commit_zap msim__kvm_commit_zap
#define kvm_current_vpid msim__kvm_current_vpid
#define kvm_direct_touch msim__kvm_direct_touch
#define kvm_exit_done msim__kvm_exit_done
#define kvm_fast_pgd_switch msim__kvm_fast_pgd_switch
#define kvm_flush_remote_tlbs msim__kvm_flush_remote_tlbs
#define kvm_flush_tlb_all msim__kvm_flush_tlb_all
#define kvm_flush_tlb_current msim__kvm_flush_tlb_current
#define kvm_flush_tlb_guest msim__kvm_flush_tlb_guest
#define kvm_flush_tlb_gva msim__kvm_flush_tlb_gva
#define kvm_free_guest_mode_roots msim__kvm_free_guest_mode_roots
#define kvm_free_obsolete_roots msim__kvm_free_obsolete_roots
#define kvm_free_roots msim__kvm_free_roots
#define kvm_get_shadow_page msim__kvm_get_shadow_page
#define kvm_gfn_visible msim__kvm_gfn_visible
#define kvm_gfnset_add msim__kvm_gfnset_add
#define kvm_gfnset_clear msim__kvm_gfnset_clear
#define kvm_gfnset_has msim__kvm_gfnset_has
#define kvm_hw_flush msim__kvm_hw_flush
#define kvm_init_mmu msim__kvm_init_mmu
#define kvm_load_pdptes msim__kvm_load_pdptes
#define kvm_make_all_request msim__kvm_make_all_request
#define kvm_make_pages_available msim__kvm_make_pages_available
#define kvm_mat_alloc_page msim__kvm_mat_alloc_page
#define kvm_mat_clear msim__kvm_mat_clear
#define kvm_mat_clear_tree msim__kvm_mat_clear_tree
#define kvm_mat_free_page msim__kvm_mat_free_page
#define kvm_mat_map msim__kvm_mat_map
#define kvm_mat_set msim__kvm_mat_set
#define kvm_mmu_load msim__kvm_mmu_load
#define kvm_mmu_reset_context msim__kvm_mmu_reset_context
#define kvm_mmu_unload msim__kvm_mmu_unload
#define kvm_nested_load_cr3 msim__kvm_nested_load_cr3
#define kvm_nested_transition_flush msim__kvm_nested_transition_flush
#define kvm_new_pgd msim__kvm_new_pgd
#define kvm_observe_slow msim__kvm_observe_slow
#define kvm_pae_paging msim__kvm_pae_paging
#define kvm_prepare_zap msim__kvm_prepare_zap
#define kvm_root_eptp msim__kvm_root_eptp
#define kvm_root_has_unsync msim__kvm_root_has_unsync
#define kvm_root_obsolete msim__kvm_root_obsolete
#define kvm_root_usable msim__kvm_root_usable
#define kvm_service_local_flushes msim__kvm_service_local_flushes
#define kvm_shadow_fault msim__kvm_shadow_fault
#define kvm_shadow_invalidate_gva msim__kvm_shadow_invalidate_gva
#define kvm_shadow_present msim__kvm_shadow_present
#define kvm_shadow_put_root msim__kvm_shadow_put_root
#define kvm_shadow_track_write msim__kvm_shadow_track_write
#define kvm_sp_destroy msim__kvm_sp_destroy
#define kvm_sp_new msim__kvm_sp_new
#define kvm_sync_prev_roots msim__kvm_sync_prev_roots
#define kvm_sync_root msim__kvm_sync_root
#define kvm_sync_roots msim__kvm_sync_roots
#define kvm_tdp_access msim__kvm_tdp_access
#define kvm_tdp_map msim__kvm_tdp_map
#define kvm_tdp_mmu_alloc_root msim__kvm_tdp_mmu_alloc_root
#define kvm_tdp_mmu_invalidate_all_roots msim__kvm_tdp_mmu_invalidate_all_roots
#define kvm_tdp_mmu_put_root msim__kvm_tdp_mmu_put_root
#define kvm_tdp_teardown msim__kvm_tdp_teardown
#define kvm_vmexit_cost msim__kvm_vmexit_cost
#define kvm_zap_obsolete_pages msim__kvm_zap_obsolete_pages

#endif
