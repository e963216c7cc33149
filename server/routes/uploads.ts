/** POST /uploads: a citizen's (or, for them, window staff's) material files (server/uploads.ts). */
import type { IncomingMessage } from 'node:http';
import { recordAssistance } from '../../usecases/assistance.ts';
import type { Viewer } from '../context.ts';
import type { GatewayServices } from '../services.ts';
import { handleUpload } from '../uploads.ts';
import type { Route } from './route.ts';

export interface UploadRouteDeps {
  services: GatewayServices;
  /** Who calls, from a bearer token and the assistance session of the request. */
  identify(req: IncomingMessage, authorization: string | undefined): Promise<Viewer>;
}

export function uploadsRoute({ services, identify }: UploadRouteDeps): Route {
  return {
    method: '*',
    path: '/uploads',
    async handle(req, res) {
      let uploader: Viewer = { kind: 'anonymous' };
      await handleUpload(req, res, {
        db: services.db,
        maxBytes: services.config.maxUploadBytes,
        identify: async (authorization) => {
          uploader = await identify(req, authorization);
          return uploader.kind === 'user' ? { subject: uploader.subject, role: uploader.role } : null;
        },
        // Window staff upload scans for the citizen: the file is the citizen's, and the session says who brought it.
        onStored: (fileRef) => recordAssistance(services, uploader, { action: 'UPLOAD', ref: fileRef }),
      });
    },
  };
}
