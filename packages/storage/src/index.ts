export {
  type DeploymentRepository,
  type DeploymentRepositoryOptions,
  initRepository,
  type RepositoryTuning,
  repositoryFromConfig,
} from './deployment-repository.js';
export {
  S3_CONNECTION_TIMEOUT_MS,
  S3_MAX_ATTEMPTS,
  S3_PAGE_SIZE,
  S3_REQUEST_TIMEOUT_MS,
  S3Store,
  type S3StoreOptions,
} from './s3-store.js';
export { InvalidRepositoryUrlError, type S3Settings, storeFromUrl } from './store-from-url.js';
