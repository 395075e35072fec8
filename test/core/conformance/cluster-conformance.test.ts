import { describe } from 'vitest';
import { testCluster } from '../../helpers.js';
import { clusterConformance } from './cluster-conformance.js';

describe('Cluster conformance: embedded engine', () => {
  clusterConformance({ open: () => testCluster(), another: async (first) => first });
});
