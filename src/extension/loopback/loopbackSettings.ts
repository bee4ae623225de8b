export * from '../../core/doctor/settings/loopbackSettings';
