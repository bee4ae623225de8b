export * from '../../core/doctor/settings/locksSettings';
