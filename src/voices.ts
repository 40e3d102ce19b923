import type { ListVoicesResponse } from '../generated/models';
import { VoicesApi } from '../generated/api/voices-api';
import { toAxiosConfig, type RequestOptions } from './request-options';

/** `together.voices`: the generated VoicesApi (`fetchVoices`), plus `list()`, which returns the data. */
export class Voices extends VoicesApi {
  /** Every speech model with the voices it offers. */
  async list(options?: RequestOptions): Promise<ListVoicesResponse> {
    return (await this.fetchVoices(toAxiosConfig(options))).data;
  }
}
