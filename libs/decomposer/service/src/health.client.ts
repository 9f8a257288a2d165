import {
  credentials,
  makeGenericClientConstructor,
  type ChannelCredentials,
  Metadata,
  type Client,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService, type ServingStatus } from 'grpc-health-check';

interface HealthClient extends Client {
  check(
    request: { service: string },
    metadata: Metadata,
    options: { deadline: number },
    callback: (error: ServiceError | null, response: { status: ServingStatus }) => void,
  ): void;
}

// grpc-health-check describes the service with proto-loader's types, which grpc-js accepts at run time.
const HealthClientConstructor = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  'grpc.health.v1.Health',
) as unknown as new (address: string, creds: ChannelCredentials) => HealthClient;

/**
 * Asks the standard gRPC health service at `address` (host:port; plaintext unless `channelCredentials` say TLS)
 * for `service` ("" for the whole server): SERVING, NOT_SERVING or UNKNOWN. Rejects with the ServiceError (e.g.
 * NOT_FOUND for a service it does not know). The health service needs no token.
 */
export async function checkGrpcHealth(
  address: string,
  service = '',
  deadlineMs = 5_000,
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
): Promise<ServingStatus> {
  const client = new HealthClientConstructor(address, channelCredentials);
  try {
    return await new Promise<ServingStatus>((resolve, reject) =>
      client.check({ service }, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) =>
        error ? reject(error) : resolve(response.status),
      ),
    );
  } finally {
    client.close();
  }
}
