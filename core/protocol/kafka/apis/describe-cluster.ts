/**
 * DescribeCluster (api key 60), versions 0-1, flexible from 0: cluster id, controller and brokers.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DescribeCluster Request (Version: 1) => include_cluster_authorized_operations endpoint_type
 *     include_cluster_authorized_operations => bool
 *     endpoint_type => int8
 *   DescribeCluster Response (Version: 1) => throttle_time_ms error_code error_message endpoint_type cluster_id controller_id [brokers] cluster_authorized_operations
 *     throttle_time_ms => int32
 *     error_code => int16
 *     error_message => string (nullable)
 *     endpoint_type => int8
 *     cluster_id => string
 *     controller_id => int32
 *     brokers => broker_id host port rack
 *       broker_id => int32
 *       host => string
 *       port => int32
 *       rack => string (nullable)
 *     cluster_authorized_operations => int32
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DescribeClusterApi = defineApi({
  key: 60,
  name: 'DescribeCluster',
  versions: '0-1',
  flexible: '0+',
  request: [
    field('IncludeClusterAuthorizedOperations', 'bool', '0+'),
    field('EndpointType', 'int8', '1+', { default: 1 }),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '0+'),
    field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
    field('EndpointType', 'int8', '1+', { default: 1 }),
    field('ClusterId', 'string', '0+'),
    field('ControllerId', 'int32', '0+', { default: -1 }),
    field('Brokers', array([
      field('BrokerId', 'int32', '0+'),
      field('Host', 'string', '0+'),
      field('Port', 'int32', '0+'),
      field('Rack', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
    field('ClusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
  ],
});
